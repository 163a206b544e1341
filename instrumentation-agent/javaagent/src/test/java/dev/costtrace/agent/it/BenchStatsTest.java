package dev.costtrace.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class BenchStatsTest {
  @Test
  void medianOfOddAndEvenCounts() {
    assertThat(BenchStats.median(new double[] {3, 1, 2})).isEqualTo(2);
    assertThat(BenchStats.median(new double[] {4, 1, 3, 2})).isEqualTo(2.5);
  }

  @Test
  void twentyPairsGiveTheSixthAndFifteenthOrderStatistics() {
    double[] d = new double[20];
    for (int i = 0; i < d.length; i++) {
      d[i] = 20 - i; // 20 .. 1, unsorted on purpose
    }
    // P(Bin(20, 1/2) <= 5) = 2.07% <= 2.5% < P(<= 6) = 5.77%: ranks 6 and 15.
    assertThat(BenchStats.medianInterval(d)).containsExactly(6, 15);
  }

  @Test
  void tooFewPairsGiveTheWholeRange() {
    assertThat(BenchStats.medianInterval(new double[] {5, -1, 2})).containsExactly(-1, 5);
  }

  @Test
  void measurableOnlyWhenTheIntervalExcludesZero() {
    assertThat(BenchStats.excludesZero(new double[] {1, 4})).isTrue();
    assertThat(BenchStats.excludesZero(new double[] {-4, -1})).isTrue();
    assertThat(BenchStats.excludesZero(new double[] {-1, 4})).isFalse();
  }

  @Test
  void differencesArePairedByIndex() {
    assertThat(BenchStats.differences(new double[] {5, 7}, new double[] {2, 10}))
        .containsExactly(3, -3);
  }
}
