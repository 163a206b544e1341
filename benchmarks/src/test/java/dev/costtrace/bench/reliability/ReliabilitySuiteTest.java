package dev.costtrace.bench.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The reliability suite's short version (seconds per fault; the five-minute figures are the
 * benchmark's, {@link ReliabilitySuite#main}): every scenario against a real {@code costtrace
 * serve} under -Xmx512m, and for each, nothing acknowledged lost, nothing counted twice, no
 * non-retryable answer to a valid request, the receiver up throughout.
 */
class ReliabilitySuiteTest {
  @TempDir Path dir;

  @Test
  void everyFaultIsComeThroughWithNothingLostOrCountedTwice() throws Exception {
    Settings quick = Settings.quick();
    List<ScenarioResult> results = ReliabilitySuite.run(quick, ReliabilitySuite.SCENARIOS, dir);
    ReliabilitySuite.write(quick, results, dir.resolve("reliability"));
    assertThat(results)
        .extracting(ScenarioResult::scenario)
        .containsExactly(
            "overload",
            "clickhouse-outage",
            "clickhouse-stalled",
            "engine-killed",
            "receiver-killed",
            "malformed-flood",
            "disk-full");
    for (ScenarioResult r : results) {
      assertThat(r.violations()).as(r.scenario() + ": " + r).isEmpty();
      assertThat(r.acknowledgedRows()).as(r.scenario()).isPositive();
      assertThat(r.lostRows()).as(r.scenario()).isZero();
      assertThat(r.countedTwiceRows()).as(r.scenario()).isZero();
      assertThat(r.storedCost()).as(r.scenario()).isEqualByComparingTo(r.expectedCost());
      assertThat(r.refusedOther()).as(r.scenario()).isZero();
      assertThat(r.receiverPeakRssMiB()).as(r.scenario()).isPositive().isLessThan(1024);
    }
    ScenarioResult overload = results.get(0);
    // Overloaded: more offered than held, and the rest pushed back. Not a ratio: offered is a
    // multiple
    // of the saturation measured just before, on a machine whose other load comes and goes.
    assertThat(overload.offeredSpansPerSecond()).isGreaterThan(overload.heldSpansPerSecond());
    assertThat(overload.refusedRetryable()).isPositive();
    assertThat(results.get(3).enginePeakRssMiB()).isPositive();
    assertThat(dir.resolve("reliability.md")).content().contains("| overload |", "| disk-full |");
  }
}
