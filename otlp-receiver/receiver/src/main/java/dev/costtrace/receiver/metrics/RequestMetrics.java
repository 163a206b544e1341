package dev.costtrace.receiver.metrics;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Export requests by transport and outcome, their latency, and how many are in flight. Recording is
 * a few adder increments: no allocation after the first request of each outcome.
 */
public final class RequestMetrics implements MetricsSource {
  /** Latency bucket bounds in seconds. */
  static final double[] BOUNDS = {
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10
  };

  private static final class Transport {
    final Map<String, LongAdder> byOutcome = new ConcurrentHashMap<>();
    final LongAdder[] buckets = new LongAdder[BOUNDS.length + 1];
    final LongAdder nanos = new LongAdder();
    final LongAdder inFlight = new LongAdder();

    Transport() {
      for (int i = 0; i < buckets.length; i++) {
        buckets[i] = new LongAdder();
      }
    }
  }

  private final Transport grpc = new Transport();
  private final Transport http = new Transport();

  private Transport of(String transport) {
    return transport.equals("grpc") ? grpc : http;
  }

  /** A request of {@code transport} ("grpc" or "http") started. */
  public void started(String transport) {
    of(transport).inFlight.increment();
  }

  /** It finished with {@code outcome} (an HTTP status or a gRPC code name) after {@code nanos}. */
  public void finished(String transport, String outcome, long nanos) {
    Transport t = of(transport);
    t.inFlight.decrement();
    t.byOutcome.computeIfAbsent(outcome, k -> new LongAdder()).increment();
    t.nanos.add(nanos);
    double seconds = nanos / 1e9;
    int i = 0;
    while (i < BOUNDS.length && seconds > BOUNDS[i]) {
      i++;
    }
    t.buckets[i].increment();
  }

  /** A request refused before it was read (auth, overload): counted, no latency. */
  public void refused(String transport, String outcome) {
    of(transport).byOutcome.computeIfAbsent(outcome, k -> new LongAdder()).increment();
  }

  @Override
  public void writeTo(PrometheusText out) {
    for (String name : new String[] {"grpc", "http"}) {
      Transport t = of(name);
      t.byOutcome.forEach(
          (outcome, n) ->
              out.counter(
                  "costtrace_export_requests_total",
                  "OTLP export requests by transport and outcome (HTTP status or gRPC code).",
                  n.sum(),
                  "transport",
                  name,
                  "outcome",
                  outcome));
    }
    for (String name : new String[] {"grpc", "http"}) {
      Transport t = of(name);
      long[] counts = new long[t.buckets.length];
      for (int i = 0; i < counts.length; i++) {
        counts[i] = t.buckets[i].sum();
      }
      out.histogram(
          "costtrace_export_duration_seconds",
          "Time to decode, price, attribute and make an export request durable.",
          BOUNDS,
          counts,
          t.nanos.sum() / 1e9,
          "transport",
          name);
    }
    for (String name : new String[] {"grpc", "http"}) {
      out.gauge(
          "costtrace_export_requests_in_flight",
          "Export requests being processed.",
          of(name).inFlight.sum(),
          "transport",
          name);
    }
  }
}
