package dev.costtrace.agent.faults;

import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;

/**
 * Throws from {@code onEnd} of every span whose instrumentation scope is CostTrace's ({@code
 * dev.costtrace.*}); the SDK lets that reach whoever ended the span — CostTrace's hooks, which must
 * contain it. Registered after the exporting processors, so the spans are still exported.
 */
final class FaultingSpanProcessor implements SpanProcessor {
  static final String MESSAGE = "costtrace test fault";

  @Override
  public void onStart(Context parentContext, ReadWriteSpan span) {}

  @Override
  public boolean isStartRequired() {
    return false;
  }

  @Override
  public void onEnd(ReadableSpan span) {
    if (span.getInstrumentationScopeInfo().getName().startsWith("dev.costtrace.")) {
      throw new IllegalStateException(MESSAGE);
    }
  }

  @Override
  public boolean isEndRequired() {
    return true;
  }
}
