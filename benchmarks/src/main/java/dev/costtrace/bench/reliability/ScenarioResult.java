package dev.costtrace.bench.reliability;

import java.math.BigDecimal;

/**
 * What one scenario measured.
 *
 * @param scenario its name
 * @param fault what was done to the receiver
 * @param seconds how long the load ran
 * @param offeredSpansPerSecond new spans the generator offered per second (not counting retries)
 * @param heldSpansPerSecond spans acknowledged per second over the same time
 * @param acknowledgedSpans spans acknowledged (HTTP 200 / gRPC OK), priced or not
 * @param acknowledgedRows priced span rows among them, what ClickHouse must hold
 * @param lostRows acknowledged rows not in ClickHouse afterwards (must be 0)
 * @param countedTwiceRows rows the per-trace rollup counted more than once (must be 0)
 * @param storedCost {@code sum(total_cost) FROM spans FINAL} of the acknowledged traces
 * @param expectedCost what those traces cost, from the requests
 * @param refusedRetryable refusals the generator retried (429/503, UNAVAILABLE, ...)
 * @param refusedOther non-retryable answers to valid requests (must be 0)
 * @param recoverySeconds from the end of the fault until everything acknowledged was stored (or
 *     what the scenario says it measured), -1 when not measured
 * @param receiverPeakRssMiB the receiver process's peak resident memory
 * @param enginePeakRssMiB the embedded engine's peak resident memory, -1 when not in the scenario
 * @param notes anything else the scenario observed, one line
 * @param violations what went wrong (empty when the receiver came through): lost or doubled rows, a
 *     crash, a non-retryable answer to a valid request, ...
 */
public record ScenarioResult(
    String scenario,
    String fault,
    double seconds,
    double offeredSpansPerSecond,
    double heldSpansPerSecond,
    long acknowledgedSpans,
    long acknowledgedRows,
    long lostRows,
    long countedTwiceRows,
    BigDecimal storedCost,
    BigDecimal expectedCost,
    long refusedRetryable,
    long refusedOther,
    double recoverySeconds,
    double receiverPeakRssMiB,
    double enginePeakRssMiB,
    String notes,
    java.util.List<String> violations) {

  /** The same result with one more violation. */
  ScenarioResult withViolation(String violation) {
    java.util.List<String> all = new java.util.ArrayList<>(violations);
    all.add(violation);
    return new ScenarioResult(
        scenario,
        fault,
        seconds,
        offeredSpansPerSecond,
        heldSpansPerSecond,
        acknowledgedSpans,
        acknowledgedRows,
        lostRows,
        countedTwiceRows,
        storedCost,
        expectedCost,
        refusedRetryable,
        refusedOther,
        recoverySeconds,
        receiverPeakRssMiB,
        enginePeakRssMiB,
        notes,
        java.util.List.copyOf(all));
  }
}
