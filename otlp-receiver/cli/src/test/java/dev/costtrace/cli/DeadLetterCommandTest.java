package dev.costtrace.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.Client;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.costtrace.sink.ClickHouseSink;
import dev.costtrace.sink.SpanAttribution;
import dev.costtrace.sink.SpanColumns;
import dev.costtrace.sink.SpanCostRow;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.schema.Migrator;
import dev.costtrace.sink.schema.SchemaOptions;
import dev.costtrace.testing.TestClickHouse;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code costtrace dead-letter list} and {@code replay}: a row ClickHouse refused (a profile's
 * array limit, with a batch over more days than its partition limit) is listed, then, with the
 * limit lifted, replayed into its trace and conversation exactly once, however often replay runs.
 */
class DeadLetterCommandTest {
  static final long T0 = 1_767_225_600_000_000_000L; // 2026-01-01T00:00:00Z
  static final long DAY = 86_400_000_000_000L;

  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @AfterEach
  void clear() {
    System.clearProperty("costtrace.clickhouse.url");
    System.clearProperty("costtrace.clickhouse.user");
    System.clearProperty("costtrace.clickhouse.password");
    System.clearProperty("costtrace.clickhouse.database");
  }

  static BigDecimal scalar(ClickHouseEndpoint e, String sql) {
    try (Client c = e.newClient("default")) {
      return c.queryAll(sql).get(0).getBigDecimal(1);
    }
  }

  @Test
  void listsTheRefusedRowAndReplaysItOnce() throws Exception {
    ClickHouseEndpoint e = TestClickHouse.shared();
    String db = TestClickHouse.newDatabase("deadletter");
    try (Client c = e.newClient("default")) {
      new Migrator(c, new SchemaOptions(db, "", Duration.ZERO)).up();
    }
    List<SpanCostRow> rows = new ArrayList<>();
    List<SpanAttribution> observations = new ArrayList<>();
    BigDecimal total = BigDecimal.ZERO;
    for (int t = 0; t < 5; t++) {
      String trace = String.format("%032x", 0xdead0000L + t);
      long start = T0 + t * DAY;
      observations.add(
          new SpanAttribution(
              "",
              trace,
              "00000000000000aa",
              start - 1,
              "conv-" + (t % 2),
              "acme",
              "",
              "",
              Map.of(),
              T0));
      for (int s = 0; s < 2; s++) {
        BigDecimal cost =
            new BigDecimal("0.000123456789").multiply(BigDecimal.valueOf(t * 2L + s + 1));
        total = total.add(cost);
        rows.add(
            SpanCostRow.builder()
                .traceId(trace)
                .spanId(String.format("%016x", t * 10L + s + 1))
                .set(SpanColumns.START_TIME, start + s)
                .set(SpanColumns.END_TIME, start + s + 500)
                .set(SpanColumns.TOTAL_COST, cost)
                .set(SpanColumns.PRICING_STATUS, "PRICED")
                .set(
                    SpanColumns.TAGS,
                    t == 3 && s == 1
                        ? Map.of("a", "1", "b", "2", "c", "3", "d", "4", "e", "5", "f", "6")
                        : Map.of())
                .build());
      }
    }
    Path buffer = dir.resolve("buffer");
    Client.Builder limited =
        new Client.Builder()
            .addEndpoint(e.httpUrl())
            .setUsername(e.user())
            .setPassword(e.password())
            .setDefaultDatabase("default")
            .serverSetting("max_partitions_per_insert_block", "3")
            .serverSetting("format_binary_max_array_size", "4");
    try (ClickHouseSink sink =
        ClickHouseSink.builder()
            .client(limited.build(), true)
            .database(db)
            .bufferDir(buffer)
            .maxBatchDelay(Duration.ofMillis(10))
            .maxBackoff(Duration.ofMillis(50))
            .maxBatchAttempts(2)
            .build()) {
      sink.accept(rows, observations);
      assertThat(sink.flush(Duration.ofMinutes(2))).isTrue();
      assertThat(sink.metrics().rowsDeadLettered()).isEqualTo(1);
    }
    BigDecimal poisonCost = rows.get(7).totalCost();
    String traceSum = "SELECT toDecimal128(sum(total_cost), 12) FROM " + db + ".trace_rollup";
    String conversationSum =
        "SELECT toDecimal128(sum(total_cost), 12) FROM " + db + ".conversation_costs";
    assertThat(scalar(e, traceSum)).isEqualByComparingTo(total.subtract(poisonCost));

    System.setProperty("costtrace.clickhouse.url", e.httpUrl());
    System.setProperty("costtrace.clickhouse.user", e.user());
    System.setProperty("costtrace.clickhouse.password", e.password());
    System.setProperty("costtrace.clickhouse.database", db);
    assertThat(CliRun.ok("dead-letter", "list", "--dir", buffer.toString()))
        .contains(
            "dead-letter.jsonl: 1 rows (1 spans, 0 observations), spans' cost "
                + poisonCost.toPlainString())
        .contains("1  TOO_LARGE_ARRAY_SIZE (128)")
        .contains("spans started 2026-01-04T00:00:00.000000001Z")
        .contains("1 dead-lettered rows in 1 files");
    JsonNode listed =
        JSON.readTree(
            CliRun.ok("dead-letter", "list", "--dir", buffer.toString(), "--format", "json"));
    assertThat(listed.get("rows").asInt()).isEqualTo(1);
    JsonNode file = listed.get("files").get(0);
    assertThat(file.get("file").asText()).isEqualTo("dead-letter.jsonl");
    assertThat(file.get("spans").asInt()).isEqualTo(1);
    assertThat(new BigDecimal(file.get("total_usd").asText())).isEqualByComparingTo(poisonCost);
    assertThat(file.get("reasons").get("TOO_LARGE_ARRAY_SIZE (128)").asInt()).isEqualTo(1);
    assertThat(file.get("first_start").asText()).isEqualTo("2026-01-04T00:00:00.000000001Z");
    CliRun.Result bad =
        CliRun.execute("dead-letter", "list", "--dir", buffer.toString(), "--format", "xml");
    assertThat(bad.exit()).isEqualTo(2);
    assertThat(bad.err()).contains("--format must be table or json, not 'xml'");

    assertThat(CliRun.ok("dead-letter", "replay", "--dir", buffer.toString()))
        .contains("1 rows replayed, 0 still refused")
        .contains("replayed 1 dead-lettered rows");
    assertThat(scalar(e, traceSum)).isEqualByComparingTo(total);
    assertThat(scalar(e, conversationSum)).isEqualByComparingTo(total);
    assertThat(CliRun.ok("dead-letter", "list", "--dir", buffer.toString()))
        .contains("0 dead-lettered rows in 0 files");
    JsonNode again =
        JSON.readTree(
            CliRun.ok("dead-letter", "replay", "--dir", buffer.toString(), "--format", "json"));
    assertThat(again.get("replayed").asInt()).isZero();
    assertThat(again.get("still_refused").asInt()).isZero();
    assertThat(again.get("stopped_early").asBoolean()).isFalse();
    assertThat(scalar(e, traceSum)).isEqualByComparingTo(total);
    assertThat(scalar(e, conversationSum)).isEqualByComparingTo(total);
    assertThat(CliRun.ok("verify", "--since", "3650d")).contains("every one equals");
  }
}
