package dev.costtrace.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.Client;
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
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code costtrace verify}: clean rollups pass, a wrong one is named and repaired. */
class VerifyCommandTest {
  @TempDir Path dir;

  @AfterEach
  void clear() {
    System.clearProperty("costtrace.clickhouse.url");
    System.clearProperty("costtrace.clickhouse.user");
    System.clearProperty("costtrace.clickhouse.password");
    System.clearProperty("costtrace.clickhouse.database");
  }

  @Test
  void findsAWrongRollupAndRepairsIt() throws Exception {
    ClickHouseEndpoint e = TestClickHouse.shared();
    String db = TestClickHouse.newDatabase("verify");
    long now = System.currentTimeMillis() * 1_000_000L;
    String trace = "4bf92f3577b34da6a3ce929d0e0e4736";
    try (Client c = e.newClient("default")) {
      new Migrator(c, new SchemaOptions(db, "", Duration.ZERO)).up();
    }
    try (ClickHouseSink sink =
        ClickHouseSink.builder()
            .client(e.newClient("default"), true)
            .database(db)
            .bufferDir(dir.resolve("buffer"))
            .maxBatchDelay(Duration.ofMillis(10))
            .build()) {
      sink.accept(
          List.of(
              SpanCostRow.builder()
                  .traceId(trace)
                  .spanId("00f067aa0ba902b7")
                  .set(SpanColumns.START_TIME, now)
                  .set(SpanColumns.END_TIME, now + 1_000_000)
                  .set(SpanColumns.TOTAL_COST, new BigDecimal("0.000123456789"))
                  .set(SpanColumns.PRICING_STATUS, "PRICED")
                  .build()),
          List.of(
              new SpanAttribution(
                  "", trace, "00f067aa0ba902b6", now - 1, "conv-v", "", "", "", Map.of(), now)));
      assertThat(sink.flush(Duration.ofSeconds(30))).isTrue();
    }
    System.setProperty("costtrace.clickhouse.url", e.httpUrl());
    System.setProperty("costtrace.clickhouse.user", e.user());
    System.setProperty(
        "costtrace.clickhouse.password", e.password()); // the embedded engine's secret
    System.setProperty("costtrace.clickhouse.database", db);
    assertThat(CliRun.ok("verify", "--since", "1h"))
        .contains(
            "checked 1 trace rollups and 1 conversation rollups over the last 1h: every one equals");

    try (Client c = e.newClient("default")) {
      c.queryAll(
          "INSERT INTO "
              + db
              + ".trace_rollups SELECT * REPLACE (total_cost + 0.000000000001 AS total_cost,"
              + " version + 1 AS version) FROM "
              + db
              + ".trace_rollups FINAL");
    }
    CliRun.Result broken = CliRun.execute("verify", "--since", "1h");
    assertThat(broken.exit()).isEqualTo(1);
    assertThat(broken.out())
        .contains("trace " + trace + ": differs total_cost: 0.00012345679 -> 0.000123456789")
        .contains("conversation conv-v: differs total_cost: 0.000123456789 -> 0.00012345679")
        .contains("2 differ from their recomputation");

    CliRun.Result repaired =
        CliRun.execute("verify", "--since", "1h", "--repair", "--format", "json");
    assertThat(repaired.exit()).as(repaired.out()).isZero();
    assertThat(repaired.out())
        .contains("\"stage\":\"checked\"")
        .contains("\"stage\":\"after repair\"")
        .contains("\"differences\":0");
    assertThat(CliRun.execute("verify", "--since", "soon").exit()).isEqualTo(2);
  }
}
