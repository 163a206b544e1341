package dev.costtrace.receiver.metrics;

import dev.costtrace.sink.rollup.RollupCheck;
import java.util.function.Supplier;

/** The background rollup check's findings as Prometheus samples. */
public final class RollupCheckMetricsSource implements MetricsSource {
  private final Supplier<RollupCheck.Status> status;

  public RollupCheckMetricsSource(Supplier<RollupCheck.Status> status) {
    this.status = status;
  }

  @Override
  public void writeTo(PrometheusText out) {
    RollupCheck.Status s = status.get();
    out.gauge(
            "costtrace_rollup_differences",
            "Rollups that differed from a recomputation from the stored spans in the last check (should be 0).",
            s.lastDifferences())
        .counter(
            "costtrace_rollup_differences_found_total",
            "Rollup differences found, summed over every check.",
            s.differencesTotal())
        .counter(
            "costtrace_rollup_checks_total",
            "Background checks of the rollups completed.",
            s.checks())
        .counter(
            "costtrace_rollup_check_failures_total",
            "Background checks that could not run.",
            s.failures())
        .counter(
            "costtrace_rollup_repairs_total",
            "Rollups recomputed by the background check.",
            s.repaired())
        .gauge(
            "costtrace_rollup_check_seconds",
            "How long the last check took.",
            s.lastMillis() / 1000.0);
  }
}
