package dev.costtrace.sink.infra;

import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import dev.costtrace.sink.ClickHouseSink;
import dev.costtrace.sink.SpanAttribution;
import dev.costtrace.sink.SpanColumns;
import dev.costtrace.sink.SpanCostRow;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.rollup.RollupVerifier;
import dev.costtrace.sink.schema.Migrator;
import dev.costtrace.sink.schema.SchemaOptions;
import dev.costtrace.testing.TestClickHouse;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The allocator on the embedded ClickHouse, over span rows written by the sink: two allocators on
 * one database (two receivers) that both allocate an hour write the same rows; a rule taken out of
 * the file takes its cost out of the rollups; every step leaves the rollups equal to their
 * recomputation.
 */
class InfraAllocatorTest {
  static final Instant HOUR =
      Instant.now().truncatedTo(ChronoUnit.HOURS).minus(2, ChronoUnit.HOURS);
  static final String GPU =
      "rules:\n  - {name: gpu, match: {service: gpu-svc}, hourly_usd: 1, allocate: per_second}\n";

  @TempDir Path dir;

  /** Three traces of gpu-svc in one hour, 10, 20 and 30 seconds (conversations c1, c1, c2). */
  SchemaOptions seed(ClickHouseEndpoint e, String db) throws Exception {
    SchemaOptions schema = new SchemaOptions(db, "", Duration.ZERO);
    try (Client c = e.newClient("default")) {
      new Migrator(c, schema).up();
    }
    List<SpanCostRow> rows = new ArrayList<>();
    List<SpanAttribution> attributions = new ArrayList<>();
    String[] conversations = {"c1", "c1", "c2"};
    for (int i = 0; i < 3; i++) {
      String trace = String.format("%032x", i + 1);
      long start = HOUR.plusSeconds(60L * (i + 1)).getEpochSecond() * 1_000_000_000L;
      rows.add(
          SpanCostRow.builder()
              .traceId(trace)
              .spanId(String.format("%016x", i + 1))
              .set(SpanColumns.START_TIME, start)
              .set(SpanColumns.END_TIME, start + (i + 1) * 10_000_000_000L)
              .set(SpanColumns.SERVICE_NAME, "gpu-svc")
              .set(SpanColumns.TOTAL_COST, new BigDecimal("0.001"))
              .set(SpanColumns.PRICING_STATUS, "PRICED")
              .build());
      attributions.add(
          new SpanAttribution(
              "",
              trace,
              "0000000000000000",
              start - 1,
              conversations[i],
              "",
              "",
              "",
              Map.of(),
              start));
    }
    write(e, db, rows, attributions);
    return schema;
  }

  void write(
      ClickHouseEndpoint e, String db, List<SpanCostRow> rows, List<SpanAttribution> attributions)
      throws Exception {
    try (ClickHouseSink sink =
        ClickHouseSink.builder()
            .client(e.newClient("default"), true)
            .database(db)
            .bufferDir(dir.resolve(db))
            .maxBatchDelay(Duration.ofMillis(10))
            .build()) {
      sink.accept(rows, attributions);
      assertThat(sink.flush(Duration.ofSeconds(30))).isTrue();
    }
  }

  static InfraAllocator allocator(Client c, SchemaOptions schema, AtomicReference<String> rules) {
    return InfraAllocator.builder(schema)
        .client(c, false)
        .rules(() -> InfraRules.parse(rules.get()))
        .grace(Duration.ZERO)
        .window(Duration.ofHours(4))
        .build();
  }

  static List<String> conversations(Client c, String db) {
    return c
        .queryAll(
            "SELECT conversation_id, total_cost, model_costs FROM "
                + db
                + ".conversation_costs ORDER BY conversation_id")
        .stream()
        .map(
            r ->
                r.getString("conversation_id")
                    + " "
                    + r.getBigDecimal("total_cost").stripTrailingZeros().toPlainString())
        .toList();
  }

  @Test
  void twoAllocatorsWriteTheSameRowsAndARemovedRuleLeavesNothing() throws Exception {
    ClickHouseEndpoint e = TestClickHouse.shared();
    String db = TestClickHouse.newDatabase("infra_alloc");
    SchemaOptions schema = seed(e, db);
    AtomicReference<String> rules = new AtomicReference<>(GPU);
    try (Client c = e.newClient("default");
        Client c2 = e.newClient("default");
        InfraAllocator a = allocator(c, schema, rules);
        InfraAllocator b = allocator(c2, schema, rules)) {
      // Each allocates the hour with use and the empty hours of the window; b does it again, as a
      // second receiver that had not seen a's record of the hours would.
      assertThat(a.runOnce()).isEqualTo(new InfraAllocator.Run(true, 4, 3));
      // b follows while a's heartbeat is fresh; made to allocate, it writes what a wrote.
      assertThat(b.runOnce()).isEqualTo(new InfraAllocator.Run(false, 0, 0));
      assertThat(b.status().leading()).isFalse();
      c.queryAll("TRUNCATE TABLE " + db + ".infra_periods");
      assertThat(b.allocate().hours()).isEqualTo(4);
      // Every key's rows, whoever wrote them, say the same: 1/6, 2/6 and 3/6 of $1, the cut's
      // 10^-12 left over to the largest remainders.
      List<GenericRecord> keys =
          c.queryAll(
              "SELECT trace_id, count() AS n, uniqExact(usd, units, spans) AS variants,"
                  + " any(usd) AS share FROM "
                  + db
                  + ".infra_allocations GROUP BY trace_id ORDER BY trace_id");
      assertThat(keys)
          .extracting(
              r ->
                  r.getLong("n")
                      + " "
                      + r.getLong("variants")
                      + " "
                      + r.getBigDecimal("share").toPlainString())
          .containsExactly("2 1 0.166666666667", "2 1 0.333333333333", "2 1 0.500000000000");
      assertThat(conversations(c, db)).containsExactly("c1 0.502", "c2 0.501");
      // Nothing left to do; the rollups equal their recomputation.
      assertThat(a.runOnce().hours()).isZero();
      RollupVerifier verifier = new RollupVerifier(c, schema);
      assertThat(verifier.verify(Duration.ofDays(1)).clean()).isTrue();
      // An allocation the rollup does not carry is a difference, and repair takes it in.
      c.queryAll(
          "INSERT INTO "
              + db
              + ".trace_rollups SELECT * REPLACE (total_cost - 0.5 AS total_cost,"
              + " mapFilter((k, v) -> k != 'infra:gpu', model_costs) AS model_costs,"
              + " version + 1 AS version) FROM "
              + db
              + ".trace_rollups FINAL WHERE trace_id = '"
              + String.format("%032x", 3)
              + "'");
      RollupVerifier.Report wrong = verifier.verify(Duration.ofDays(1));
      assertThat(wrong.differences())
          .extracting(Object::toString)
          .anySatisfy(
              d ->
                  assertThat(d)
                      .startsWith("trace " + String.format("%032x", 3) + ": differs total_cost"));
      verifier.repair(wrong);
      assertThat(verifier.verify(Duration.ofDays(1)).clean()).isTrue();

      // A late span of trace 3 (5 s more): the writer's recomputation keeps the trace's
      // allocation (it reads the hours of its spans); the next run splits the hour again.
      long late = HOUR.plusSeconds(1800).getEpochSecond() * 1_000_000_000L;
      write(
          e,
          db,
          List.of(
              SpanCostRow.builder()
                  .traceId(String.format("%032x", 3))
                  .spanId("00000000000000ff")
                  .set(SpanColumns.START_TIME, late)
                  .set(SpanColumns.END_TIME, late + 5_000_000_000L)
                  .set(SpanColumns.SERVICE_NAME, "gpu-svc")
                  .set(SpanColumns.TOTAL_COST, new BigDecimal("0.001"))
                  .set(SpanColumns.PRICING_STATUS, "PRICED")
                  .build()),
          List.of());
      assertThat(conversations(c, db)).containsExactly("c1 0.502", "c2 0.502");
      assertThat(verifier.verify(Duration.ofDays(1)).clean()).isTrue();
      assertThat(a.runOnce()).isEqualTo(new InfraAllocator.Run(true, 1, 3));
      // 10, 20 and 35 of 65 s: 0.153846153846|15, 0.307692307692|31, 0.538461538461|54; the
      // one 10^-12 left goes to the largest remainder, trace 3's.
      assertThat(conversations(c, db)).containsExactly("c1 0.463538461538", "c2 0.540461538462");
      assertThat(verifier.verify(Duration.ofDays(1)).clean()).isTrue();

      rules.set("rules: []");
      InfraAllocator.Run removed = a.runOnce();
      assertThat(removed.hours()).isEqualTo(4);
      assertThat(removed.traces()).isEqualTo(3);
      assertThat(conversations(c, db)).containsExactly("c1 0.002", "c2 0.002");
      assertThat(
              c.queryAll("SELECT count() AS n FROM " + db + ".infra_periods FINAL")
                  .get(0)
                  .getLong("n"))
          .isZero();
      assertThat(a.runOnce().hours()).isZero();
      assertThat(new RollupVerifier(c, schema).verify(Duration.ofDays(1)).clean()).isTrue();
    }
  }

  @Test
  void theMatchIsACondition() {
    assertThat(InfraAllocator.match(new InfraRule.Match("svc", null, "m'x", null)))
        .isEqualTo(
            "x.service_name = 'svc' AND if(x.response_model != '', x.response_model,"
                + " x.request_model) = 'm\\'x'");
    assertThat(InfraAllocator.match(new InfraRule.Match(null, "vllm", null, "search")))
        .isEqualTo(
            "x.provider = 'vllm' AND x.operation = 'execute_tool' AND x.tool_name = 'search'");
  }
}
