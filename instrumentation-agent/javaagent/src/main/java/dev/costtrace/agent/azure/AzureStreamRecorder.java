package dev.costtrace.agent.azure;

import com.azure.ai.openai.models.ChatCompletions;
import dev.costtrace.agent.genai.GenAiStream;
import dev.costtrace.agent.genai.GenAiStreamRecorder;

/**
 * Feeds streamed Azure OpenAI chunks into a {@link GenAiStream}: id and model from any chunk (the
 * first, with Azure's prompt filter results, has no choices), finish reasons from the last choice
 * chunk, usage from the final chunk ({@code stream_options.include_usage}). The span ends when the
 * stream ends, fails or is cancelled.
 */
final class AzureStreamRecorder extends GenAiStreamRecorder<ChatCompletions> {
  AzureStreamRecorder(GenAiStream stream) {
    super(stream);
  }

  @Override
  protected void record(ChatCompletions chunk) {
    AzureOpenAiModel.fill(stream.response(), chunk);
  }
}
