package dev.costtrace.agent.openai;

import com.openai.models.responses.ResponseStreamEvent;
import dev.costtrace.agent.genai.GenAiStream;
import dev.costtrace.agent.genai.GenAiStreamRecorder;

/**
 * Feeds Responses API stream events into a {@link GenAiStream}: id, model and service tier from
 * {@code response.created}, the whole response (usage, status) from the final {@code
 * response.completed}, {@code response.incomplete} or {@code response.failed}, which also ends the
 * span.
 */
final class ResponsesStreamRecorder extends GenAiStreamRecorder<ResponseStreamEvent> {
  ResponsesStreamRecorder(GenAiStream stream) {
    super(stream);
  }

  @Override
  protected void record(ResponseStreamEvent event) {
    if (event.isCreated()) {
      OpenAiResponsesModel.fillStart(stream.response(), event.asCreated().response());
    } else if (event.isCompleted()) {
      OpenAiResponsesModel.fill(stream.response(), event.asCompleted().response());
      stream.complete();
    } else if (event.isIncomplete()) {
      OpenAiResponsesModel.fill(stream.response(), event.asIncomplete().response());
      stream.complete();
    } else if (event.isFailed()) {
      OpenAiResponsesModel.fill(stream.response(), event.asFailed().response());
      stream.complete();
    }
  }
}
