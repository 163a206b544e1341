package dev.costtrace.receiver.attribution;

import com.google.protobuf.ByteString;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Remembers, per trace (by its 16-byte ID), the attribution seen so far, for a window (default 30 s) and a bounded
 * number of traces, so that spans arriving in other export batches of the same trace are filled
 * in. What the window cannot cover is resolved by the sink: every attribution found is also written
 * as a trace attribution row, which the conversation views join at query time.
 */
public final class TraceAttributor {
  public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(30);
  public static final int DEFAULT_MAX_TRACES = 200_000;

  private final long windowNanos;
  private final int maxTraces;
  private final Map<TraceKey, Entry> traces;

  /** A trace ID's 16 bytes as two longs: cheaper to hash and compare than its 32 hex characters. */
  private record TraceKey(long high, long low) {
    static TraceKey of(ByteString id) {
      return new TraceKey(longAt(id, 0), longAt(id, 8));
    }

    private static long longAt(ByteString id, int from) {
      long v = 0;
      for (int i = from, end = Math.min(from + 8, id.size()); i < end; i++) {
        v = (v << 8) | (id.byteAt(i) & 0xff);
      }
      return v;
    }

    @Override
    public int hashCode() {
      long h = (high ^ Long.rotateLeft(low, 29)) * 0x9e3779b97f4a7c15L;
      return (int) (h ^ (h >>> 32));
    }
  }

  /** Updated in place: one per remembered trace, touched by every span of it. */
  private static final class Entry {
    Attribution attribution;
    long seenNanos;

    Entry(Attribution attribution, long seenNanos) {
      this.attribution = attribution;
      this.seenNanos = seenNanos;
    }
  }

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
  public synchronized Result observe(ByteString traceId, Attribution fromSpan, long nowNanos) {
    TraceKey key = TraceKey.of(traceId);
    Entry e = traces.get(key); // access order: the trace becomes the most recently seen
    Attribution before = e == null || nowNanos - e.seenNanos > windowNanos ? Attribution.NONE : e.attribution;
    boolean changed = before.fills(fromSpan);
    Attribution merged = changed ? before.orElse(fromSpan) : before;
    if (e != null) {
      if (e.attribution != merged) {
        e.attribution = merged; // a reference store in an old object costs the GC a card: only on change
      }
      e.seenNanos = nowNanos;
    } else {
      traces.put(key, new Entry(merged, nowNanos));
      if (traces.size() > maxTraces) {
        var it = traces.entrySet().iterator();
        it.next();
        it.remove();
      }
    }
    return changed ? new Result(merged, true) : Result.unchanged(merged);
  }

  /** The attribution of a trace and whether this observation added to it. */
  public record Result(Attribution attribution, boolean changed) {
    private static final Result NONE_UNCHANGED = new Result(Attribution.NONE, false);

    static Result unchanged(Attribution a) {
      return a == Attribution.NONE ? NONE_UNCHANGED : new Result(a, false);
    }
  }
}
