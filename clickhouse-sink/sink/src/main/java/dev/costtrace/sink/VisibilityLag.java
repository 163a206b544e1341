package dev.costtrace.sink;

import java.util.Arrays;

/**
 * How long after its acknowledgement an accepted call's rollups were written (and so visible in
 * every view): a histogram over fixed buckets for {@code /metrics}, and the latest lags for exact
 * percentiles. Thread-safe.
 */
public final class VisibilityLag {
  /** Bucket upper bounds, seconds. */
  public static final double[] BOUNDS_SECONDS = {0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300};

  private static final int RECENT = 1 << 16;

  private final long[] counts = new long[BOUNDS_SECONDS.length + 1];
  private final long[] recent = new long[RECENT];
  private long recorded;
  private long sumMillis;

  /**
   * A copy of the state.
   *
   * @param counts per bucket of {@link #BOUNDS_SECONDS} (not cumulative), one more for the rest
   * @param sumSeconds the sum of all lags
   * @param recentMillis the latest lags (up to 65,536), oldest first
   */
  public record Snapshot(long[] counts, double sumSeconds, long[] recentMillis) {
    public long count() {
      return Arrays.stream(counts).sum();
    }

    /** The exact quantile of the recent lags (0 when none), milliseconds. */
    public long quantileMillis(double q) {
      if (recentMillis.length == 0) {
        return 0;
      }
      long[] sorted = recentMillis.clone();
      Arrays.sort(sorted);
      return sorted[(int) Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
    }
  }

  synchronized void record(long millis) {
    long m = Math.max(0, millis);
    int b = 0;
    while (b < BOUNDS_SECONDS.length && m > BOUNDS_SECONDS[b] * 1000) {
      b++;
    }
    counts[b]++;
    sumMillis += m;
    recent[(int) (recorded++ % RECENT)] = m;
  }

  synchronized Snapshot snapshot() {
    int n = (int) Math.min(recorded, RECENT);
    long[] last = new long[n];
    for (int i = 0; i < n; i++) {
      last[i] = recent[(int) ((recorded - n + i) % RECENT)];
    }
    return new Snapshot(counts.clone(), sumMillis / 1000.0, last);
  }
}
