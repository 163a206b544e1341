package dev.costtrace.receiver.attribution;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Remembers, per trace, the attribution seen so far, for a window (default 30 s) and a bounded
 * number of traces, so that spans arriving in other export batches of the same trace are filled
 * in. What the window cannot cover is resolved by the sink: every attribution found is also written
 * as a trace attribution row, which the conversation views join at query time.
 */
public final class TraceAttributor {
  public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(30);
  public static final int DEFAULT_MAX_TRACES = 200_000;

  private final long windowNanos;
  private final int maxTraces;
  private final Map<String, Entry> traces;

  private record Entry(Attribution attribution, long seenNanos) {}

  public TraceAttributor(Duration window, int maxTraces) {
    this.windowNanos = window.toNanos();
    this.maxTraces = maxTraces;
    this.traces = new LinkedHashMap<>(16, 0.75f, true);
  }

  /**
   * Merges what a span said into its trace's attribution and returns the trace's attribution.
   *
   * @return the merged attribution; {@code changed} tells whether it gained a value
   */
  public synchronized Result observe(String traceId, Attribution fromSpan, long nowNanos) {
    Entry e = traces.get(traceId);
    Attribution before = e == null || nowNanos - e.seenNanos > windowNanos ? Attribution.NONE : e.attribution;
    Attribution merged = before.orElse(fromSpan);
    traces.put(traceId, new Entry(merged, nowNanos));
    if (traces.size() > maxTraces) {
      var it = traces.entrySet().iterator();
      it.next();
      it.remove();
    }
    return new Result(merged, !merged.equals(before) && !fromSpan.isEmpty());
  }

  /** The attribution of a trace and whether this observation added to it. */
  public record Result(Attribution attribution, boolean changed) {}
}
