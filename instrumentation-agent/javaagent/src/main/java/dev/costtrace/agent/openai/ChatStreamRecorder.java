package dev.costtrace.agent.openai;

import com.openai.models.chat.completions.ChatCompletionChunk;
import dev.costtrace.agent.genai.GenAiStream;
import dev.costtrace.agent.genai.GenAiStreamRecorder;

/**
 * Feeds chat completion chunks into a {@link GenAiStream} for the chat spans CostTrace makes
 * itself: every chunk may carry id, model, tier and finished choices; usage comes in the last one
 * (with {@code stream_options.include_usage}). A chat stream has no final event the SDK passes on,
 * so the span ends when the stream is read to its end, fails, or is closed. Under the upstream
 * agent's chat span the stream is the budget's admission only (settled from the usage chunk; the
 * span stays upstream's), and each chunk also goes to that span's first-chunk timer.
 */
final class ChatStreamRecorder extends GenAiStreamRecorder<ChatCompletionChunk> {
  /** Shown each chunk too: the upstream span's first-chunk timer, or null. */
  private final ChatStreamTimer upstreamTimer;

  ChatStreamRecorder(GenAiStream stream, ChatStreamTimer upstreamTimer) {
    super(stream);
    this.upstreamTimer = upstreamTimer;
  }

  @Override
  protected void record(ChatCompletionChunk chunk) {
    if (upstreamTimer != null) {
      upstreamTimer.onEvent(chunk);
    }
    OpenAiChatModel.fill(stream.response(), chunk);
  }
}
