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
 * header captured on the inbound server span reaches the LLM calls made while serving it), then the
 * captured header of the request being served as {@link InboundAttribution} carries it in the
 * context (the same header, when the spans in between were not sampled and so hold nothing), then
 * the captured header on the span itself. Every recorded span under a request carries the values,
 * so the whole conversation can be filtered, and the gen_ai spans get them whatever depth they
 * start at and whether or not their parent was sampled.
 *
 * <p>A field not trusted from inbound requests ({@link AttributionField#trustInbound()}) never
 * takes the captured header, and its baggage key is dropped from inbound baggage when it is
 * extracted ({@link InboundBaggageFilter}), so only the application's own baggage sets it.
 *
 * <p>Never throws: telemetry must not break the application.
 */
public final class AttributionSpanProcessor implements SpanProcessor {
  /** {@code -Dcosttrace.agent.debug=true} prints contained failures to stderr. */
  private static final boolean DEBUG = Boolean.getBoolean("costtrace.agent.debug");

  private final List<AttributionField> fields;

  public AttributionSpanProcessor(AttributionSettings settings) {
    this.fields = settings.fields();
  }

  @Override
  public void onStart(Context parentContext, ReadWriteSpan span) {
    try {
      Baggage baggage = Baggage.fromContext(parentContext);
      Span parent = Span.fromContextOrNull(parentContext);
      ReadableSpan readableParent =
          parent instanceof ReadableSpan && parent.getSpanContext().isValid()
              ? (ReadableSpan) parent
              : null;
      for (int i = 0; i < fields.size(); i++) {
        AttributionField field = fields.get(i);
        String value =
            resolve(
                field, baggage, readableParent, InboundAttribution.carried(parentContext, i), span);
        if (value != null) {
          span.setAttribute(field.spanAttribute(), value);
        }
      }
    } catch (Throwable t) {
      // Contained by design; a failing hook only loses attribution for this span.
      contain(t);
    }
  }

  static String resolve(
      AttributionField field,
      Baggage baggage,
      ReadableSpan parent,
      String carriedHeader,
      ReadableSpan span) {
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
    if (carriedHeader != null) {
      return carriedHeader;
    }
    return firstNonBlank(span.getAttribute(field.capturedHeaderAttribute()));
  }

  /** The first non-blank value of a captured header, trimmed; null when there is none. */
  static String firstNonBlank(List<String> header) {
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

  static void contain(Throwable t) {
    if (DEBUG) {
      t.printStackTrace();
    }
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
