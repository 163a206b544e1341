package dev.costtrace.agent.attribution;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.baggage.BaggageBuilder;
import io.opentelemetry.api.baggage.BaggageEntry;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;
import io.opentelemetry.context.propagation.TextMapPropagator;
import io.opentelemetry.context.propagation.TextMapSetter;
import java.util.Collection;
import java.util.Set;

/**
 * Wraps a propagator so that baggage an inbound request carries cannot set untrusted attribution
 * fields (the tenant by default): their keys are removed from what {@link #extract} adds. Baggage
 * the application sets in this process is untouched, and so is everything the wrapped propagator
 * injects. Never throws: on any failure the context is returned as the wrapped propagator made it,
 * minus nothing, which only keeps the upstream behaviour.
 */
public final class InboundBaggageFilter implements TextMapPropagator {
  private final TextMapPropagator delegate;
  private final Set<String> untrustedKeys;

  public InboundBaggageFilter(TextMapPropagator delegate, Set<String> untrustedKeys) {
    this.delegate = delegate;
    this.untrustedKeys = untrustedKeys;
  }

  @Override
  public Collection<String> fields() {
    return delegate.fields();
  }

  @Override
  public <C> void inject(Context context, C carrier, TextMapSetter<C> setter) {
    delegate.inject(context, carrier, setter);
  }

  @Override
  public <C> Context extract(Context context, C carrier, TextMapGetter<C> getter) {
    Context extracted = delegate.extract(context, carrier, getter);
    if (untrustedKeys.isEmpty()) {
      return extracted;
    }
    try {
      Baggage before = Baggage.fromContext(context);
      Baggage after = Baggage.fromContext(extracted);
      if (after == before) {
        return extracted;
      }
      BaggageBuilder cleaned = null;
      for (String key : untrustedKeys) {
        BaggageEntry inbound = after.getEntry(key);
        if (inbound == null || inbound.equals(before.getEntry(key))) {
          continue; // not set by this request
        }
        if (cleaned == null) {
          cleaned = after.toBuilder();
        }
        BaggageEntry kept = before.getEntry(key);
        if (kept != null) {
          cleaned.put(key, kept.getValue(), kept.getMetadata());
        } else {
          cleaned.remove(key);
        }
      }
      return cleaned == null ? extracted : extracted.with(cleaned.build());
    } catch (Throwable t) {
      return extracted; // telemetry must not break the application
    }
  }

  @Override
  public String toString() {
    return "InboundBaggageFilter{" + delegate + ", untrusted=" + untrustedKeys + "}";
  }
}
