package dev.costtrace.sink.rollup;

import dev.costtrace.sink.SpanAttribution;
import dev.costtrace.sink.SpanCostRow;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * The traces a batch touches (by a span row or an attribution observation), with the start times of
 * the span rows it carries for each: where those rows are, besides where the trace's stored rollup
 * says its other rows are.
 */
public final class TouchedTraces {
  /** Per trace: {min start, max start} of the batch's span rows, or null when it has none. */
  private final Map<TraceKey, long[]> traces = new HashMap<>();

  public static TouchedTraces of(
      Collection<SpanCostRow> spans, Collection<SpanAttribution> attributions) {
    TouchedTraces t = new TouchedTraces();
    for (SpanCostRow r : spans) {
      t.span(new TraceKey(r.authTenant(), r.traceId()), r.startEpochNanos());
    }
    for (SpanAttribution a : attributions) {
      t.traces.putIfAbsent(new TraceKey(a.authTenant(), a.traceId()), null);
    }
    return t;
  }

  private void span(TraceKey key, long start) {
    long[] range = traces.get(key);
    if (range == null) {
      traces.put(key, new long[] {start, start});
    } else {
      range[0] = Math.min(range[0], start);
      range[1] = Math.max(range[1], start);
    }
  }

  /** These traces and the other's, with the union of their span rows' start ranges. */
  public TouchedTraces with(TouchedTraces other) {
    TouchedTraces t = new TouchedTraces();
    for (TouchedTraces from : new TouchedTraces[] {this, other}) {
      for (Map.Entry<TraceKey, long[]> e : from.traces.entrySet()) {
        long[] r = e.getValue();
        if (r == null) {
          t.traces.putIfAbsent(e.getKey(), null);
        } else {
          t.span(e.getKey(), r[0]);
          t.span(e.getKey(), r[1]);
        }
      }
    }
    return t;
  }

  public boolean isEmpty() {
    return traces.isEmpty();
  }

  public int size() {
    return traces.size();
  }

  public Set<TraceKey> keys() {
    return traces.keySet();
  }

  /** {min start, max start} of the batch's span rows of a trace, or null. */
  long[] spanStarts(TraceKey key) {
    return traces.get(key);
  }
}
