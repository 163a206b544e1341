package dev.costtrace.sink;

import static dev.costtrace.sink.ClickHouseSinkTest.T0;
import static dev.costtrace.sink.ClickHouseSinkTest.count;
import static dev.costtrace.sink.ClickHouseSinkTest.id;
import static dev.costtrace.sink.ClickHouseSinkTest.migrate;
import static dev.costtrace.sink.ClickHouseSinkTest.scalar;
import static dev.costtrace.sink.ClickHouseSinkTest.verify;
import static dev.costtrace.sink.SpanColumns.*;
import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.rollup.RollupVerifier;
import dev.costtrace.sink.schema.SchemaOptions;
import dev.costtrace.testing.TestClickHouse;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rollups are a function of the stored spans and the resolved attribution, whatever the order
 * of crashes, retries, replays and duplicates; attribution resolves by one written rule; one tenant
 * can neither re-attribute nor suppress another's spans.
 */
class RollupInvariantTest {
  @TempDir Path dir;

  /** An export: span rows and observations, as the receiver hands them to the sink. */
  record Call(List<SpanCostRow> spans, List<SpanAttribution> attributions) {}

  /**
   * A workload of conversations over traces; every trace's root says its conversation, and some
   * traces also have a later child saying another one (a conflict the root wins: it starts first).
   */
  static List<Call> workload(int traces, long seed) {
    Random r = new Random(seed);
    List<Call> calls = new ArrayList<>();
    for (int t = 0; t < traces; t++) {
      String trace = id(r, 16);
      long start = T0 + t * 1_000_000_000L;
      List<SpanCostRow> spans = new ArrayList<>();
      for (int s = 0; s < 3; s++) {
        BigDecimal cost = new BigDecimal(1 + r.nextInt(9_999_999)).movePointLeft(12);
        spans.add(
            SpanCostRow.builder()
                .traceId(trace)
                .spanId(id(r, 8))
                .set(START_TIME, start + 10 + s)
                .set(END_TIME, start + 100)
                .set(OPERATION, "chat")
                .set(REQUEST_MODEL, "gpt-4o-mini")
                .set(TOTAL_COST, cost)
                .set(PRICING_STATUS, "PRICED")
                .build());
      }
      String conversation = "conv-" + (t % 7);
      SpanAttribution root =
          new SpanAttribution(
              "",
              trace,
              id(r, 8),
              start,
              conversation,
              "",
              "user-" + (t % 3),
              t % 2 == 0 ? "chat" : "",
              Map.of(),
              T0);
      List<SpanAttribution> observations = new ArrayList<>(List.of(root));
      if (t % 4 == 0) {
        observations.add(
            new SpanAttribution(
                "", trace, id(r, 8), start + 50, "conv-wrong", "acme", "", "search", Map.of(), T0));
      }
      // Children and root exported in separate calls, as a BatchSpanProcessor does.
      calls.add(new Call(spans.subList(0, 2), List.of()));
      calls.add(
          new Call(
              spans.subList(2, 3),
              observations.subList(observations.size() - 1, observations.size())));
      calls.add(new Call(List.of(), observations.subList(0, 1)));
    }
    return calls;
  }

  /** Per conversation: cost and turns, by the rule (the root wins; no root means the child's). */
  static Map<String, BigDecimal> expectedCosts(List<Call> calls) {
    Map<String, List<SpanAttribution>> byTrace = new HashMap<>();
    Map<String, BigDecimal> traceCost = new HashMap<>();
    for (Call c : calls) {
      for (SpanAttribution a : c.attributions()) {
        byTrace.computeIfAbsent(a.traceId(), k -> new ArrayList<>()).add(a);
      }
      for (SpanCostRow s : c.spans()) {
        traceCost.merge(s.traceId(), s.totalCost(), BigDecimal::add);
      }
    }
    Map<String, BigDecimal> out = new TreeMap<>();
    traceCost.forEach(
        (trace, cost) -> {
          String conversation =
              byTrace.get(trace).stream()
                  .filter(a -> !a.conversationId().isEmpty())
                  .min(
                      Comparator.comparingLong(SpanAttribution::startEpochNanos)
                          .thenComparing(SpanAttribution::spanId))
                  .orElseThrow()
                  .conversationId();
          out.merge(conversation, cost, BigDecimal::add);
        });
    return out;
  }

  static Map<String, BigDecimal> storedCosts(ClickHouseEndpoint e, String db) {
    Map<String, BigDecimal> out = new TreeMap<>();
    try (Client c = e.newClient("default")) {
      for (GenericRecord r :
          c.queryAll("SELECT conversation_id, total_cost FROM " + db + ".conversation_costs")) {
        out.put(r.getString("conversation_id"), r.getBigDecimal("total_cost").stripTrailingZeros());
      }
    }
    return out;
  }

  private static Map<String, BigDecimal> stripped(Map<String, BigDecimal> m) {
    Map<String, BigDecimal> out = new TreeMap<>();
    m.forEach((k, v) -> out.put(k, v.stripTrailingZeros()));
    return out;
  }

  private static ClickHouseSink sink(ClickHouseEndpoint e, String db, Path buffer, int batchSize) {
    return ClickHouseSink.builder()
        .client(e.newClient("default"), true)
        .database(db)
        .bufferDir(buffer)
        .batchSize(batchSize)
        // The read by conversation, as on a large table: its moves are what this suite tests.
        .conversationsByKeyFromRows(0)
        .maxBatchDelay(Duration.ofMillis(20))
        .maxBackoff(Duration.ofMillis(100))
        .build();
  }

  /**
   * Three schedules of the same workload: calls shuffled, every call sent twice (some much later),
   * the writer crashed part-way and restarted, and a copy of the buffer from before a checkpoint
   * replayed at the end (batches ClickHouse already had). Each ends with the same rollups, equal to
   * the rule's, and with a clean verify.
   */
  @Test
  void anyScheduleOfRetriesCrashesAndReplaysGivesTheSameRollups() throws Exception {
    ClickHouseEndpoint e = TestClickHouse.shared();
    List<Call> calls = workload(60, 5);
    Map<String, BigDecimal> expected = stripped(expectedCosts(calls));
    assertThat(expected).containsKey("conv-0").doesNotContainKey("conv-wrong");
    for (long seed : new long[] {1, 2, 3}) {
      String db = migrate(e);
      Random r = new Random(seed);
      List<Call> schedule = new ArrayList<>(calls);
      schedule.addAll(calls.subList(0, calls.size() / 2)); // retries of calls already stored
      Collections.shuffle(schedule, r);
      schedule.addAll(calls.subList(calls.size() / 3, calls.size())); // and again, later
      Path buffer = dir.resolve("s" + seed);
      Path snapshot = dir.resolve("s" + seed + "-snapshot");
      int crashAt = schedule.size() / 3 + r.nextInt(schedule.size() / 3);
      ClickHouseSink sink = sink(e, db, buffer, 5 + r.nextInt(40));
      for (int i = 0; i < schedule.size(); i++) {
        Call c = schedule.get(i);
        sink.accept(c.spans(), c.attributions());
        if (i == crashAt) {
          sink.crash(); // acknowledged, maybe partly written: the restart replays the rest
          copy(
              buffer,
              snapshot); // the buffer as a crash might leave it: checkpoint behind ClickHouse
          sink = sink(e, db, buffer, 5 + r.nextInt(40));
        }
      }
      assertThat(sink.flush(Duration.ofMinutes(3))).isTrue();
      sink.close();
      try (ClickHouseSink replay = sink(e, db, snapshot, 17)) {
        assertThat(replay.flush(Duration.ofMinutes(3))).isTrue();
      }
      assertThat(storedCosts(e, db)).as("schedule %d", seed).isEqualTo(expected);
      assertThat(count(e, "SELECT count() FROM " + db + ".spans")).isEqualTo(180);
      assertThat(count(e, "SELECT sum(turns) FROM " + db + ".conversation_costs")).isEqualTo(60);
      RollupVerifier.Report report = verify(e, db);
      assertThat(report.differences()).isEmpty();
      assertThat(report.traces()).isEqualTo(60);
    }
  }

  private static void copy(Path from, Path to) throws Exception {
    Files.createDirectories(to);
    try (var files = Files.list(from)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.copy(
            f, to.resolve(f.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      }
    }
  }

  /**
   * With auth on, tenant B exports spans with tenant A's trace and span IDs: both are stored, each
   * in its tenant's rollups; B neither moves A's trace to B's conversation nor hides A's span.
   */
  @Test
  void oneTraceIdFromTwoTenantsStaysTwoTraces() throws Exception {
    ClickHouseEndpoint e = TestClickHouse.shared();
    String db = migrate(e);
    String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    SpanCostRow a =
        SpanCostRow.builder()
            .traceId(trace)
            .spanId("00f067aa0ba902b7")
            .set(AUTH_TENANT, "tenant-a")
            .set(TENANT_ID, "tenant-a")
            .set(START_TIME, T0)
            .set(END_TIME, T0 + 10)
            .set(TOTAL_COST, new BigDecimal("0.25"))
            .set(PRICING_STATUS, "PRICED")
            .set(OPERATION, "chat")
            .build();
    SpanCostRow b =
        a.toBuilder()
            .set(AUTH_TENANT, "tenant-b")
            .set(TENANT_ID, "tenant-b")
            .set(TOTAL_COST, new BigDecimal("0.75"))
            .build();
    try (ClickHouseSink sink = sink(e, db, dir.resolve("tenants"), 100)) {
      sink.accept(
          List.of(a),
          List.of(
              new SpanAttribution(
                  "tenant-a",
                  trace,
                  "00000000000000a1",
                  T0 - 1,
                  "conv-a",
                  "tenant-a",
                  "",
                  "",
                  Map.of(),
                  T0)));
      assertThat(sink.flush(Duration.ofMinutes(2))).isTrue();
      sink.accept(
          List.of(b),
          List.of(
              new SpanAttribution(
                  "tenant-b",
                  trace,
                  "00000000000000b1",
                  T0 - 5,
                  "conv-b",
                  "tenant-b",
                  "",
                  "",
                  Map.of(),
                  T0)));
      assertThat(sink.flush(Duration.ofMinutes(2))).isTrue();
    }
    assertThat(count(e, "SELECT count() FROM " + db + ".spans WHERE trace_id = '" + trace + "'"))
        .isEqualTo(2);
    assertThat(
            scalar(
                e,
                "SELECT total_cost FROM "
                    + db
                    + ".conversation_costs WHERE conversation_id = 'conv-a'"))
        .isEqualByComparingTo("0.25");
    assertThat(
            scalar(
                e,
                "SELECT total_cost FROM "
                    + db
                    + ".conversation_costs WHERE conversation_id = 'conv-b'"))
        .isEqualByComparingTo("0.75");
    try (Client c = e.newClient("default")) {
      List<GenericRecord> rows =
          c.queryAll(
              "SELECT auth_tenant, tenant_id, conversation_id FROM "
                  + db
                  + ".trace_rollup ORDER BY auth_tenant");
      assertThat(rows)
          .extracting(
              r ->
                  r.getString("auth_tenant")
                      + " "
                      + r.getString("tenant_id")
                      + " "
                      + r.getString("conversation_id"))
          .containsExactly("tenant-a tenant-a conv-a", "tenant-b tenant-b conv-b");
    }
    assertThat(verify(e, db).differences()).isEmpty();
  }

  /**
   * A full batch names thousands of traces in its recomputation's queries, past ClickHouse's
   * default 256 KiB of query text.
   */
  @Test
  void aFullBatchOfThousandsOfTracesIsRolledUp() throws Exception {
    ClickHouseEndpoint e = TestClickHouse.shared();
    String db = migrate(e);
    List<SpanCostRow> rows = ClickHouseSinkTest.spans(3_000, 2, 77);
    List<SpanAttribution> roots = ClickHouseSinkTest.attributions(rows, 2, 300);
    try (ClickHouseSink sink =
        ClickHouseSink.builder()
            .client(e.newClient("default"), true)
            .database(db)
            .bufferDir(dir.resolve("full"))
            .batchSize(6_000)
            .maxBatchDelay(Duration.ofMillis(50))
            .build()) {
      sink.accept(rows, roots);
      assertThat(sink.flush(Duration.ofSeconds(60))).isTrue();
      assertThat(sink.metrics().batches()).isEqualTo(1);
      assertThat(sink.metrics().tracesRecomputed()).isEqualTo(3_000);
    }
    assertThat(scalar(e, "SELECT sum(total_cost) FROM " + db + ".conversation_costs"))
        .isEqualByComparingTo(ClickHouseSinkTest.sum(rows));
    assertThat(count(e, "SELECT count() FROM " + db + ".conversation_costs")).isEqualTo(300);
  }

  /** The token's tenant is the trace's tenant, whatever a span of it says. */
  @Test
  void theTokensTenantBeatsWhatSpansSay() throws Exception {
    ClickHouseEndpoint e = TestClickHouse.shared();
    String db = migrate(e);
    String trace = "5bf92f3577b34da6a3ce929d0e0e4736";
    SpanCostRow s =
        SpanCostRow.builder()
            .traceId(trace)
            .spanId("10f067aa0ba902b7")
            .set(AUTH_TENANT, "acme")
            .set(START_TIME, T0)
            .set(END_TIME, T0 + 10)
            .set(TOTAL_COST, BigDecimal.ONE)
            .build();
    try (ClickHouseSink sink = sink(e, db, dir.resolve("token"), 100)) {
      sink.accept(
          List.of(s),
          List.of(
              new SpanAttribution(
                  "acme",
                  trace,
                  "00000000000000a1",
                  T0 - 1,
                  "conv-1",
                  "someone-else",
                  "",
                  "",
                  Map.of(),
                  T0)));
      assertThat(sink.flush(Duration.ofMinutes(2))).isTrue();
    }
    try (Client c = e.newClient("default")) {
      assertThat(
              c.queryAll("SELECT tenant_id FROM " + db + ".conversation_costs")
                  .get(0)
                  .getString("tenant_id"))
          .isEqualTo("acme");
    }
  }

  /** A rollup made wrong by hand is found, with what differs, and repaired. */
  @Test
  void verifyFindsWrongRollupsAndRepairFixesThem() throws Exception {
    ClickHouseEndpoint e = TestClickHouse.shared();
    String db = migrate(e);
    List<Call> calls = workload(12, 9);
    try (ClickHouseSink sink = sink(e, db, dir.resolve("verify"), 50)) {
      for (Call c : calls) {
        sink.accept(c.spans(), c.attributions());
      }
      assertThat(sink.flush(Duration.ofMinutes(2))).isTrue();
    }
    assertThat(verify(e, db).differences()).isEmpty();
    String trace = calls.get(0).spans().get(0).traceId();
    try (Client c = e.newClient("default")) {
      // a trace rollup counted twice (as the old materialized view did), and a conversation lost
      c.queryAll(
          "INSERT INTO "
              + db
              + ".trace_rollups SELECT * REPLACE (total_cost * 2 AS total_cost,"
              + " version + 1 AS version) FROM "
              + db
              + ".trace_rollups FINAL WHERE trace_id = '"
              + trace
              + "'");
      c.queryAll(
          "INSERT INTO "
              + db
              + ".conversation_rollups SELECT * REPLACE (version + 1 AS version,"
              + " 1 AS is_deleted) FROM "
              + db
              + ".conversation_rollups FINAL WHERE conversation_id = 'conv-3'");
    }
    RollupVerifier.Report broken = verify(e, db);
    assertThat(broken.differences())
        .extracting(Object::toString)
        .anySatisfy(d -> assertThat(d).startsWith("trace " + trace + ": differs total_cost: "))
        .contains("conversation conv-3: missing");
    assertThat(broken.differences())
        .extracting(RollupVerifier.Difference::kind)
        .contains("trace", "conversation");
    try (Client c = e.newClient("default")) {
      new RollupVerifier(c, new SchemaOptions(db, "", Duration.ZERO)).repair(broken);
    }
    assertThat(verify(e, db).differences()).isEmpty();
    assertThat(stripped(storedCosts(e, db))).isEqualTo(stripped(expectedCosts(calls)));
  }
}
