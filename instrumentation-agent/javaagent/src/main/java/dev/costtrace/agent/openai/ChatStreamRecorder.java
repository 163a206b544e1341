package dev.costtrace.agent.openai;

import com.openai.models.chat.completions.ChatCompletionChunk;
import dev.costtrace.agent.genai.GenAiStream;
import dev.costtrace.agent.genai.GenAiStreamRecorder;

/**
 * Feeds chat completion chunks into a {@link GenAiStream} for the chat spans CostTrace makes
 * itself: every chunk may carry id, model, tier and finished choices; usage comes in the last one
 * (with {@code stream_options.include_usage}). A chat stream has no final event the SDK passes on,
 * so the span ends when the stream is read to its end, fails, or is closed.
 */
final class ChatStreamRecorder extends GenAiStreamRecorder<ChatCompletionChunk> {
  ChatStreamRecorder(GenAiStream stream) {
    super(stream);
  }

  @Override
  protected void record(ChatCompletionChunk chunk) {
    OpenAiChatModel.fill(stream.response(), chunk);
  }
}
