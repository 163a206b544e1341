package dev.costtrace.receiver.metrics;

/** Something that contributes samples to {@code /metrics} when it is scraped. */
@FunctionalInterface
public interface MetricsSource {
  void writeTo(PrometheusText out);
}
