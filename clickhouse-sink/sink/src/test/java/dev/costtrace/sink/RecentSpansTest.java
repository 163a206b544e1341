package dev.costtrace.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RecentSpansTest {
  static String span(int i) {
    return Integer.toHexString(i);
  }

  @Test
  void removedSpansAreNoLongerRecentAndTheOthersStay() {
    RecentSpans recent = new RecentSpans(4_000); // two generations: 8,000 remembered
    for (int i = 0; i < 8_000; i++) {
      assertThat(recent.add("acme", "t" + (i / 10), span(i))).isTrue();
    }
    Random r = new Random(7);
    Set<Integer> removed = new HashSet<>();
    while (removed.size() < 2_500) {
      removed.add(r.nextInt(8_000)); // from both generations, anywhere in their probe runs
    }
    for (int i : removed) {
      recent.remove("acme", "t" + (i / 10), span(i));
    }
    recent.remove("acme", "t-unknown", span(1)); // never added: nothing changes
    for (int i = 0; i < 8_000; i++) {
      if (!removed.contains(i)) {
        assertThat(recent.add("acme", "t" + (i / 10), span(i))).as("kept span %d", i).isFalse();
      }
    }
    for (int i : removed) {
      assertThat(recent.add("acme", "t" + (i / 10), span(i))).as("removed span %d", i).isTrue();
    }
  }

  @Test
  void removalsInterleavedWithAddsAgreeWithASet() {
    RecentSpans recent = new RecentSpans(1 << 16); // no generation turns over below 65,536 adds
    Set<Integer> model = new HashSet<>();
    Random r = new Random(11);
    for (int step = 0; step < 200_000; step++) {
      int k = r.nextInt(50_000);
      if (r.nextInt(3) == 0) {
        recent.remove("", "t", span(k));
        model.remove(k);
      } else if (recent.add("", "t", span(k)) != model.add(k)) {
        throw new AssertionError("step " + step + ": the window and a set disagree on key " + k);
      }
    }
    assertThat(model)
        .hasSizeGreaterThan(10_000); // the window was well filled, with long probe runs
  }

  @Test
  void aFailedBatchOfFiveThousandIsForgottenWithoutRebuildingTheWindow() {
    RecentSpans recent = new RecentSpans(1 << 20); // the default window: 2 × 16 MiB of tables
    List<String> batch = new ArrayList<>();
    for (int i = 0; i < 1 << 20; i++) {
      recent.add("", "trace", span(i));
    }
    for (int i = 0; i < 5_000; i++) {
      batch.add(span((1 << 20) + i));
      recent.add("", "trace", batch.get(i));
    }
    // Rebuilding a table per key, as before, takes minutes here; shifting back takes microseconds.
    assertTimeoutPreemptively(
        Duration.ofSeconds(5), () -> batch.forEach(s -> recent.remove("", "trace", s)));
    for (String s : batch) {
      assertThat(recent.add("", "trace", s)).isTrue();
    }
  }
}
