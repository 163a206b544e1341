package dev.costtrace.agent.openai;

import com.openai.models.responses.ResponseStreamEvent;
import dev.costtrace.agent.genai.GenAiFailures;
import dev.costtrace.agent.genai.GenAiStreamObserver;
import dev.costtrace.agent.genai.GenAiStream;

/**
 * Feeds Responses API stream events into a {@link GenAiStream}: id, model and service tier from
 * {@code response.created}, the whole response (usage, status) from the final {@code
 * response.completed}, {@code response.incomplete} or {@code response.failed}, which also ends the
 * span. A malformed event loses only what it carried.
 */
final class ResponsesStreamRecorder implements GenAiStreamObserver<ResponseStreamEvent> {
  private final GenAiStream stream;

  ResponsesStreamRecorder(GenAiStream stream) {
    this.stream = stream;
  }

  @Override
  public void onEvent(ResponseStreamEvent event) {
    try {
      OpenAiTelemetry.failForTest();
      stream.onChunk();
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
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
  }

  @Override
  public void onError(Throwable error) {
    stream.fail(error);
  }

  @Override
  public void onEnd() {
    stream.close();
  }
}
