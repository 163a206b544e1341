package dev.costtrace.agent.googlegenai;

import com.google.genai.types.GenerateContentResponse;
import dev.costtrace.agent.genai.GenAiStream;
import dev.costtrace.agent.genai.GenAiStreamRecorder;

/**
 * Feeds the chunks of a Gemini stream into a {@link GenAiStream}: each chunk is a {@code
 * GenerateContentResponse} whose usage is cumulative, so the last one holds the call's totals; the
 * span ends when the app has read the stream to its end, fails reading it, or closes it.
 */
final class GoogleGenAiStreamRecorder extends GenAiStreamRecorder<Object> {
  GoogleGenAiStreamRecorder(GenAiStream stream) {
    super(stream);
  }

  @Override
  protected void record(Object event) {
    if (event instanceof GenerateContentResponse) {
      GoogleGenAiModel.fill(stream.response(), (GenerateContentResponse) event);
    }
  }
}
