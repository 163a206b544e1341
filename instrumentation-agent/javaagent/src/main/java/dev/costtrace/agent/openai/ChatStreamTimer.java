package dev.costtrace.agent.openai;

import dev.costtrace.agent.genai.GenAiAttributes;
import dev.costtrace.agent.genai.GenAiFailures;
import dev.costtrace.agent.genai.GenAiStreamObserver;
import io.opentelemetry.api.trace.Span;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Time to first token for the upstream agent's chat stream span, which records none: the SDK's
 * stream is observed under the upstream wrapper, and the first chunk writes {@code
 * costtrace.gen_ai.time_to_first_token_ns} onto that span, measured from the SDK's {@code
 * createStreaming} call (the span started microseconds earlier, in the upstream proxy).
 */
public final class ChatStreamTimer implements GenAiStreamObserver<Object> {
  private final Span span;
  private final long startNanos;
  private final AtomicBoolean first = new AtomicBoolean(true);

  ChatStreamTimer(Span span, long startNanos) {
    this.span = span;
    this.startNanos = startNanos;
  }

  @Override
  public void onEvent(Object chunk) {
    if (!first.compareAndSet(true, false)) {
      return;
    }
    try {
      span.setAttribute(GenAiAttributes.TIME_TO_FIRST_TOKEN_NS, System.nanoTime() - startNanos);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
  }

  @Override
  public void onError(Throwable error) {}

  @Override
  public void onEnd() {}
}
