package dev.costtrace.receiver.metrics;

import dev.costtrace.sink.engine.EngineStatus;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * The embedded ClickHouse engine's health: whether it is up and how often it was restarted after
 * dying. Nothing when ClickHouse is a server (its own monitoring covers it).
 */
public final class EngineMetricsSource implements MetricsSource {
  private final Supplier<Optional<EngineStatus>> status;

  public EngineMetricsSource(Supplier<Optional<EngineStatus>> status) {
    this.status = status;
  }

  @Override
  public void writeTo(PrometheusText out) {
    status
        .get()
        .ifPresent(
            s ->
                out.gauge(
                        "costtrace_clickhouse_embedded_up",
                        "Whether the embedded ClickHouse engine is running (1) or not (0).",
                        s.up() ? 1 : 0)
                    .counter(
                        "costtrace_clickhouse_embedded_restarts_total",
                        "Times the embedded ClickHouse engine was restarted after it died.",
                        s.restarts()));
  }
}
