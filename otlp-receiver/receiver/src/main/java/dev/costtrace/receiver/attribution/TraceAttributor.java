package dev.costtrace.receiver.attribution;

import com.google.protobuf.ByteString;
import dev.costtrace.pricing.normalize.Attribution;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Remembers, per trace (by its tenant key and 16-byte ID), the attribution the sink has already
 * accepted for it: per field the value of the earliest-starting span that had one, with that span's
 * start and ID. The pipeline asks it what is known ({@link #lookup}) to fill in span rows and to
 * skip observations that cannot change the trace's resolution, and tells it only once the sink
 * accepted a request ({@link #record}), so that a request the sink refused (and the client retries)
 * leaves nothing behind. Bounded: a window since the trace's last span (default 30 s) and a number
 * of traces. What it forgets costs only a redundant observation row, never a wrong rollup: the sink
 * resolves every trace from all its stored observations.
 */
public final class TraceAttributor {
  public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(30);
  public static final int DEFAULT_MAX_TRACES = 200_000;

  /** Span IDs compare as unsigned bytes: the order of their lowercase hex, as in ClickHouse. */
  private static final Comparator<ByteString> SPAN_ORDER =
      ByteString.unsignedLexicographicalComparator();

  private final long windowNanos;
  private final int maxTraces;
  private final Map<TraceRef, Known> traces;

  /**
   * A trace of a tenant: the ID's 16 bytes as two longs, cheaper to hash than 32 hex characters.
   */
  public record TraceRef(String authTenant, long high, long low) {
    public static TraceRef of(String authTenant, ByteString id) {
      return new TraceRef(authTenant, longAt(id, 0), longAt(id, 8));
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
      return (int) (h ^ (h >>> 32)) ^ authTenant.hashCode();
    }
  }

  /**
   * What one span said, with where it stands in the resolution order: its start, then its ID.
   *
   * @param attribution the span's own values
   */
  public record Observation(Attribution attribution, long startEpochNanos, ByteString spanId) {
    /** Whether this span comes before the other in the resolution order. */
    public boolean precedes(Observation other) {
      return startEpochNanos != other.startEpochNanos
          ? startEpochNanos < other.startEpochNanos
          : SPAN_ORDER.compare(spanId, other.spanId) < 0;
    }
  }

  /**
   * Per field ({@link Attribution#FIELDS} order), the observation that decides it, or null. A
   * snapshot: the attributor's own copy is never handed out.
   */
  public static final class Known {
    final Observation[] fields = new Observation[Attribution.FIELDS];
    long seenNanos;

    /** The observation deciding a field, or null when none is known. */
    public Observation field(int field) {
      return fields[field];
    }

    /** Takes, field by field, an observation that comes before what decides the field now. */
    public boolean merge(Observation o) {
      boolean changed = false;
      for (int f = 0; f < Attribution.FIELDS; f++) {
        if (!o.attribution().field(f).isEmpty() && (fields[f] == null || o.precedes(fields[f]))) {
          fields[f] = o;
          changed = true;
        }
      }
      return changed;
    }

    /** Whether the observation would decide at least one field. */
    public boolean wouldChange(Observation o) {
      for (int f = 0; f < Attribution.FIELDS; f++) {
        if (!o.attribution().field(f).isEmpty() && (fields[f] == null || o.precedes(fields[f]))) {
          return true;
        }
      }
      return false;
    }

    /** The attribution as known: per field the deciding value, or empty. */
    public Attribution attribution() {
      String[] v = new String[Attribution.FIELDS];
      for (int f = 0; f < Attribution.FIELDS; f++) {
        v[f] = fields[f] == null ? "" : fields[f].attribution().field(f);
      }
      return new Attribution(v[0], v[1], v[2], v[3]);
    }

    Known copy() {
      Known k = new Known();
      System.arraycopy(fields, 0, k.fields, 0, fields.length);
      k.seenNanos = seenNanos;
      return k;
    }
  }

  public TraceAttributor(Duration window, int maxTraces) {
    this.windowNanos = window.toNanos();
    this.maxTraces = maxTraces;
    this.traces = new LinkedHashMap<>(16, 0.75f, true);
  }

  /** What the sink has accepted for a trace, within the window: a snapshot, empty when nothing. */
  public synchronized Known lookup(TraceRef trace, long nowNanos) {
    Known k = traces.get(trace); // access order: the trace becomes the most recently seen
    if (k == null || nowNanos - k.seenNanos > windowNanos) {
      return new Known();
    }
    k.seenNanos = nowNanos;
    return k.copy();
  }

  /** The sink accepted a request carrying this observation of the trace. */
  public synchronized void record(TraceRef trace, Observation observation, long nowNanos) {
    Known k = traces.get(trace);
    if (k == null || nowNanos - k.seenNanos > windowNanos) {
      k = new Known();
      traces.put(trace, k);
      if (traces.size() > maxTraces) {
        var it = traces.entrySet().iterator();
        it.next();
        it.remove();
      }
    }
    k.merge(observation);
    k.seenNanos = nowNanos;
  }
}
