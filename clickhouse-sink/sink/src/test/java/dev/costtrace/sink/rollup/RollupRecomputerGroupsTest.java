package dev.costtrace.sink.rollup;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** How the writer's recomputation splits a batch's traces into statements: pure, no ClickHouse. */
class RollupRecomputerGroupsTest {
  private static final long MINUTE = 60_000_000_000L;

  private static TraceKey trace(String id) {
    return new TraceKey("", id);
  }

  @Test
  void tracesThatFollowOneAnotherForHoursAreOneStatement() {
    // A backlog: a trace every 30 minutes for 10 hours. The window rule of before made ten
    // statements of it, each carrying its own share of the IDs.
    Map<TraceKey, long[]> windows = new LinkedHashMap<>();
    for (int i = 0; i < 20; i++) {
      windows.put(trace("t" + i), new long[] {i * 30 * MINUTE, i * 30 * MINUTE + MINUTE});
    }
    assertThat(RollupRecomputer.groups(windows)).hasSize(1);
  }

  @Test
  void aLateSpanOfAnOldTraceGetsAStatementOfItsOwn() {
    Map<TraceKey, long[]> windows = new LinkedHashMap<>();
    windows.put(trace("new1"), new long[] {1_000 * MINUTE, 1_001 * MINUTE});
    windows.put(trace("new2"), new long[] {1_000 * MINUTE, 1_002 * MINUTE});
    // Its rollup says its rows span minutes 0-5; the batch carries a span of it at minute 1,000.
    windows.put(trace("old"), new long[] {0, 1_000 * MINUTE});
    windows.put(trace("older"), new long[] {-600 * MINUTE, -599 * MINUTE});
    List<List<TraceKey>> groups = RollupRecomputer.groups(windows);
    assertThat(groups)
        .containsExactly(
            List.of(trace("older")), List.of(trace("old"), trace("new1"), trace("new2")));
  }

  @Test
  void aGapOfMoreThanTheWindowSplits() {
    Map<TraceKey, long[]> windows = new LinkedHashMap<>();
    windows.put(trace("a"), new long[] {0, MINUTE});
    windows.put(trace("b"), new long[] {MINUTE + 61 * MINUTE, 63 * MINUTE});
    windows.put(trace("c"), new long[] {63 * MINUTE + 59 * MINUTE, 130 * MINUTE});
    assertThat(RollupRecomputer.groups(windows))
        .containsExactly(List.of(trace("a")), List.of(trace("b"), trace("c")));
  }

  @Test
  void aStatementNamesItsTracesOncePerTenantKey() {
    RollupRecomputer.NamedTraces named =
        new RollupRecomputer.NamedTraces(
            List.of(new TraceKey("", "aa"), new TraceKey("", "bb"), new TraceKey("t1", "cc")));
    String sql = named.prepend("SELECT 1 FROM x WHERE " + named.filter("x"));
    assertThat(sql)
        .startsWith(
            "WITH rollup_traces_0 AS (SELECT arrayJoin(splitByChar(',', 'aa,bb')) AS trace_id),"
                + " rollup_traces_1 AS (SELECT arrayJoin(splitByChar(',', 'cc')) AS trace_id)\n"
                + "SELECT 1 FROM x WHERE ")
        .contains("(x.auth_tenant = '' AND x.trace_id IN (SELECT trace_id FROM rollup_traces_0))")
        .contains(
            "(x.auth_tenant = 't1' AND x.trace_id IN (SELECT trace_id FROM rollup_traces_1))");
    // A statement with a WITH list of its own gets the sets first in it.
    assertThat(named.prepend("WITH 1 AS one SELECT one"))
        .startsWith("WITH rollup_traces_0 AS")
        .endsWith(" AS trace_id), 1 AS one SELECT one");
    assertThat(new RollupRecomputer.NamedTraces(List.of()).filter("x")).isEqualTo("0");
  }
}
