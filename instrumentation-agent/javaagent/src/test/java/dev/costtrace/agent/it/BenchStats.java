package dev.costtrace.agent.it;

import java.util.Arrays;

/**
 * The statistics the agent benchmarks quote: medians, and for paired runs (one of each agent per
 * round, interleaved) the median of the per-round differences with its distribution-free 95%
 * confidence interval (sign-test order statistics). A difference is measurable when that interval
 * excludes zero.
 */
final class BenchStats {
  private BenchStats() {}

  static double median(double[] values) {
    double[] s = values.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  static double[] differences(double[] a, double[] b) {
    double[] d = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      d[i] = a[i] - b[i];
    }
    return d;
  }

  /**
   * The 95% interval {@code [d(k), d(n+1-k)]} of the median of {@code diffs}: k is the largest rank
   * with P(Binomial(n, 1/2) < k) ≤ 2.5%. With fewer than 6 values no such interval exists and the
   * whole range is returned.
   */
  static double[] medianInterval(double[] diffs) {
    double[] s = diffs.clone();
    Arrays.sort(s);
    int n = s.length;
    int k = 0;
    double cumulative = 0;
    for (int i = 0; i < n; i++) {
      cumulative += binomialHalf(n, i);
      if (cumulative > 0.025) {
        break;
      }
      k = i + 1;
    }
    if (k == 0) {
      return new double[] {s[0], s[n - 1]};
    }
    return new double[] {s[k - 1], s[n - k]};
  }

  /** P(X = i) for X ~ Binomial(n, 1/2). */
  private static double binomialHalf(int n, int i) {
    double logChoose = 0;
    for (int j = 1; j <= i; j++) {
      logChoose += Math.log(n - i + j) - Math.log(j);
    }
    return Math.exp(logChoose - n * Math.log(2));
  }

  static boolean excludesZero(double[] interval) {
    return interval[0] > 0 || interval[1] < 0;
  }
}
