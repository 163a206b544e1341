package dev.costtrace.agent.genai;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import io.opentelemetry.sdk.trace.ReadableSpan;

/**
 * The one-span-per-call rule. Whoever starts a gen_ai client span marks its context with {@link
 * #markActive}; a layer below it (an HTTP-level capture under an SDK, an SDK under LangChain4j)
 * calls {@link #isActive} on the current context and makes no span of its own when it returns true.
 * Spans made by upstream agent instrumentations are recognised too: a client span that carries
 * {@code gen_ai.operation.name}, and our customizer marks the upstream OpenAI instrumenter's context
 * as well.
 */
public final class GenAiSpans {
  private static final ContextKey<Boolean> ACTIVE = ContextKey.named("costtrace-gen-ai-client-span");

  private GenAiSpans() {}

  /** {@code context} plus the mark that a gen_ai client span is active in it. */
  public static Context markActive(Context context) {
    return context.with(ACTIVE, Boolean.TRUE);
  }

  /** True when a gen_ai client span already covers work done in {@code context}. */
  public static boolean isActive(Context context) {
    if (context == null) {
      return false;
    }
    if (context.get(ACTIVE) != null) {
      return true;
    }
    Span span = Span.fromContextOrNull(context);
    if (span instanceof ReadableSpan) {
      ReadableSpan readable = (ReadableSpan) span;
      return readable.getKind() == SpanKind.CLIENT
          && readable.getAttribute(GenAiAttributes.OPERATION_NAME) != null;
    }
    return false;
  }
}
