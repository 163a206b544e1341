package dev.costtrace.agent.attribution;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.trace.ReadWriteSpan;
import io.opentelemetry.sdk.trace.ReadableSpan;
import io.opentelemetry.sdk.trace.SpanProcessor;
import java.util.List;

/**
 * Writes attribution onto spans as they start, in the order of precedence: Baggage set by
 * the application, then the value inherited from the parent span in this process (which is how a
 * header captured on the inbound server span reaches the LLM calls made while serving it), then
 * the captured header on the span itself. Every span under a request carries the values, so the
 * whole conversation can be filtered, and the gen_ai spans get them whatever depth they start at.
 *
 * <p>A field not trusted from inbound requests ({@link AttributionField#trustInbound()}) never
 * takes the captured header, and its baggage key is dropped from inbound baggage when it is
 * extracted ({@link InboundBaggageFilter}), so only the application's own baggage sets it.
 *
 * <p>Never throws: telemetry must not break the application.
 */
public final class AttributionSpanProcessor implements SpanProcessor {
  /** Test-only: makes every hook throw, to show the failure is contained. */
  static final String FAIL_FOR_TEST_PROPERTY = "costtrace.agent.test.fail-hooks";

  /** {@code -Dcosttrace.agent.debug=true} prints contained failures to stderr. */
  private static final boolean DEBUG = Boolean.getBoolean("costtrace.agent.debug");

  private final List<AttributionField> fields;
  private final boolean failForTest;

  public AttributionSpanProcessor(AttributionSettings settings) {
    this(settings, Boolean.getBoolean(FAIL_FOR_TEST_PROPERTY));
  }

  AttributionSpanProcessor(AttributionSettings settings, boolean failForTest) {
    this.fields = settings.fields();
    this.failForTest = failForTest;
  }

  @Override
  public void onStart(Context parentContext, ReadWriteSpan span) {
    try {
      if (failForTest) {
        throw new IllegalStateException("costtrace test hook failure");
      }
      Baggage baggage = Baggage.fromContext(parentContext);
      Span parent = Span.fromContextOrNull(parentContext);
      ReadableSpan readableParent =
          parent instanceof ReadableSpan && parent.getSpanContext().isValid()
              ? (ReadableSpan) parent
              : null;
      for (AttributionField field : fields) {
        String value = resolve(field, baggage, readableParent, span);
        if (value != null) {
          span.setAttribute(field.spanAttribute(), value);
        }
      }
    } catch (Throwable t) {
      // Contained by design; a failing hook only loses attribution for this span.
      if (DEBUG) {
        t.printStackTrace();
      }
    }
  }

  static String resolve(
      AttributionField field, Baggage baggage, ReadableSpan parent, ReadableSpan span) {
    String fromBaggage = nonBlank(baggage.getEntryValue(field.baggageKey()));
    if (fromBaggage != null) {
      return fromBaggage;
    }
    if (parent != null) {
      String inherited = nonBlank(parent.getAttribute(field.spanAttribute()));
      if (inherited != null) {
        return inherited;
      }
    }
    if (!field.trustInbound()) {
      return null; // a captured header is the end user's word, not the application's
    }
    List<String> header = span.getAttribute(field.capturedHeaderAttribute());
    if (header != null) {
      for (String h : header) {
        String v = nonBlank(h);
        if (v != null) {
          return v;
        }
      }
    }
    return null;
  }

  private static String nonBlank(String s) {
    if (s == null) {
      return null;
    }
    String t = s.trim();
    return t.isEmpty() ? null : t;
  }

  @Override
  public boolean isStartRequired() {
    return true;
  }

  @Override
  public void onEnd(ReadableSpan span) {}

  @Override
  public boolean isEndRequired() {
    return false;
  }

  @Override
  public CompletableResultCode shutdown() {
    return CompletableResultCode.ofSuccess();
  }
}
