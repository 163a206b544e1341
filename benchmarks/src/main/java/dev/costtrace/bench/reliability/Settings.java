package dev.costtrace.bench.reliability;

import java.time.Duration;

/**
 * How long and how hard the suite runs.
 *
 * @param load how long each scenario's load runs (the overload at {@code overload} times what the
 *     receiver holds, the others at a steady rate around their fault)
 * @param overload how many times the measured saturation the overload scenario offers
 * @param steadySpansPerSecond the load of the scenarios other than the overload
 * @param outage how long ClickHouse is unreachable
 * @param engineKills how many times the embedded engine is killed -9 under load
 * @param receiverKills how many times the receiver is killed -9 under load and restarted
 * @param stall how long ClickHouse accepts connections and never answers
 * @param malformedRequests how many malformed or fuzzed requests are sent
 * @param fullDisk how long the buffer's disk stays full
 * @param heap the receiver's -Xmx
 * @param recentSpans the sink's recent-span dedup window ({@code
 *     COSTTRACE_SINK_DEDUP_RECENT_SPANS}); 0 for the default (1,048,576), which the suite uses:
 *     forgetting a failed batch no longer rebuilds the window per key (issue 13), so an outage
 *     costs no writer CPU for it.
 */
public record Settings(
    Duration load,
    double overload,
    double steadySpansPerSecond,
    Duration outage,
    int engineKills,
    int receiverKills,
    Duration stall,
    int malformedRequests,
    Duration fullDisk,
    String heap,
    int recentSpans) {

  /** The figures in benchmarks/results/reliability.md: five minutes of each fault. */
  public static Settings full() {
    return new Settings(
        Duration.ofMinutes(5),
        3.0,
        5_000,
        Duration.ofMinutes(5),
        10,
        10,
        Duration.ofMinutes(2),
        100_000,
        Duration.ofMinutes(1),
        "512m",
        0);
  }

  /** The same faults in seconds, for CI. */
  public static Settings quick() {
    return new Settings(
        Duration.ofSeconds(10),
        3.0,
        2_000,
        Duration.ofSeconds(8),
        2,
        2,
        Duration.ofSeconds(16),
        800,
        Duration.ofSeconds(8),
        "512m",
        0);
  }
}
