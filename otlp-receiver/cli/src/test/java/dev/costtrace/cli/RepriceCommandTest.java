package dev.costtrace.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import dev.costtrace.config.Config;
import dev.costtrace.pricing.PricedSpan;
import dev.costtrace.pricing.SpanPricer;
import dev.costtrace.pricing.TokenUsage;
import dev.costtrace.sink.ClickHouseSink;
import dev.costtrace.sink.SpanAttribution;
import dev.costtrace.sink.SpanColumns;
import dev.costtrace.sink.SpanCostRow;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.testing.TestClickHouse;
import dev.costtrace.testing.faults.ClickHouseFaultProxy;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code costtrace reprice} on the real engine, on spans the real receiver priced and stored
 * ({@code serve --demo-only}): the same catalog changes nothing; a new price changes exactly the
 * matching spans, keeps the previous cost and catalog version, and the rollups follow; a dry run
 * writes nothing; an unknown model becomes priced; a second run changes nothing; verify is clean; a
 * run interrupted between its rows and its recomputation is finished by the next run.
 */
class RepriceCommandTest {
  private static final String ACME_TRACE = "0af7651916cd43dd8448eb211c80319c";

  @TempDir Path dir;
  private ClickHouseEndpoint engine;
  private String db;

  @BeforeEach
  void storeDemoSpans() throws Exception {
    engine = TestClickHouse.shared();
    db = TestClickHouse.newDatabase("reprice");
    System.setProperty("costtrace.clickhouse.url", engine.httpUrl());
    System.setProperty("costtrace.clickhouse.user", engine.user());
    System.setProperty(
        "costtrace.clickhouse.password", engine.password()); // the embedded engine's secret
    System.setProperty("costtrace.clickhouse.database", db);
    System.setProperty("costtrace.sink.buffer.dir", dir.resolve("buffer").toString());
    assertThat(
            CliRun.ok(
                "serve",
                "--demo-only",
                "--demo-conversations",
                "12",
                "--grpc-port",
                "0",
                "--http-port",
                "0"))
        .contains("demo sent 12 conversations");
    // A call of a model no catalog knows yet: stored unpriced, as the receiver stores it.
    long now = System.currentTimeMillis() * 1_000_000L;
    try (ClickHouseSink sink =
        ClickHouseSink.builder()
            .client(engine.newClient("default"), true)
            .database(db)
            .bufferDir(dir.resolve("acme-buffer"))
            .maxBatchDelay(Duration.ofMillis(10))
            .build()) {
      sink.accept(
          List.of(
              SpanCostRow.builder()
                  .traceId(ACME_TRACE)
                  .spanId("b7ad6b7169203331")
                  .set(SpanColumns.START_TIME, now)
                  .set(SpanColumns.END_TIME, now + 1_000_000)
                  .set(SpanColumns.SERVICE_NAME, "acme-app")
                  .set(SpanColumns.PROVIDER, "acme")
                  .set(SpanColumns.REQUEST_MODEL, "acme-1")
                  .set(SpanColumns.OPERATION, "chat")
                  .set(SpanColumns.INPUT_TOKENS, 1000L)
                  .set(SpanColumns.OUTPUT_TOKENS, 1000L)
                  .set(SpanColumns.PRICING_STATUS, "UNKNOWN_MODEL")
                  .set(SpanColumns.CATALOG_VERSION, "bundled-old")
                  .set(SpanColumns.PRICING_REASON, "no catalog entry for acme/acme-1")
                  .build()),
          List.of(
              new SpanAttribution(
                  "",
                  ACME_TRACE,
                  "b7ad6b7169203331",
                  now,
                  "conv-acme",
                  "",
                  "",
                  "",
                  Map.of(),
                  now)));
      assertThat(sink.flush(Duration.ofSeconds(60))).isTrue();
    }
  }

  @AfterEach
  void clear() {
    for (String k :
        List.of(
            "costtrace.clickhouse.url",
            "costtrace.clickhouse.user",
            "costtrace.clickhouse.password",
            "costtrace.clickhouse.database",
            "costtrace.sink.buffer.dir",
            "costtrace.prices.overrides",
            RepriceCommand.WINDOW_SPANS_KEY)) {
      System.clearProperty(k);
    }
  }

  @Test
  void repricesWithTheCurrentCatalogAndTheRollupsFollow() throws Exception {
    CliRun.Result bad = CliRun.execute("reprice", "--since", "soon");
    assertThat(bad.exit()).isEqualTo(2);
    assertThat(bad.err()).contains("--since: 'soon' is neither a duration");
    assertThat(CliRun.execute("reprice", "--since", "7h", "--format", "xml").exit()).isEqualTo(2);
    assertThat(CliRun.execute("reprice").exit()).isEqualTo(2);

    long stored = count("SELECT count() FROM " + db + ".span_rows");
    long calls =
        count(
            "SELECT count() FROM "
                + db
                + ".spans WHERE operation != 'execute_tool'"
                + " AND pricing_status IN ('PRICED', 'UNKNOWN_MODEL', 'PARTIAL')");
    long miniCalls =
        count("SELECT count() FROM " + db + ".spans WHERE request_model = 'gpt-4o-mini'");
    assertThat(miniCalls).isPositive();

    // The catalog the receiver priced with: every span prices to what it has.
    assertThat(CliRun.ok("reprice", "--since", "7h", "--dry-run"))
        .contains("dry run: 0 of " + calls + " spans since 7h would change (0 newly priced)");

    Path overrides =
        Files.writeString(
            dir.resolve("overrides.json"),
            """
        {"models": [
          {"provider": "openai", "model": "gpt-4o-mini",
           "prices": {"input_mtok": 1.0, "cache_read_mtok": 0.1, "output_mtok": 2.0}, "note": "2026 agreement"},
          {"provider": "acme", "model": "acme-1", "prices": {"input_mtok": 3.0, "output_mtok": 4.0}}
        ]}
        """);
    System.setProperty("costtrace.prices.overrides", overrides.toString());
    BigDecimal spansBefore = sum("SELECT sum(total_cost) FROM " + db + ".spans");
    BigDecimal conversationsBefore =
        sum("SELECT sum(total_cost) FROM " + db + ".conversation_costs");

    String dry = CliRun.ok("reprice", "--since", "7h", "--dry-run");
    assertThat(dry)
        .contains("conv-acme: 0 -> 0.007 (+0.007, 1 span)")
        .contains(
            "dry run: "
                + (miniCalls + 1)
                + " of "
                + calls
                + " spans since 7h would change (1 newly priced)")
        .contains("nothing written");
    assertThat(count("SELECT count() FROM " + db + ".span_rows")).isEqualTo(stored);
    assertThat(sum("SELECT sum(total_cost) FROM " + db + ".conversation_costs"))
        .isEqualByComparingTo(conversationsBefore);

    // Filters: only the one conversation.
    assertThat(CliRun.ok("reprice", "--since", "7h", "--conversation", "conv-acme"))
        .contains("conv-acme: 0 -> 0.007 (+0.007, 1 span)")
        .contains("1 of 1 spans since 7h changed (1 newly priced): 0 -> 0.007 USD (+0.007)");
    try (Client c = engine.newClient("default")) {
      GenericRecord acme =
          c.queryAll(
                  "SELECT pricing_status, total_cost, previous_total_cost,"
                      + " previous_catalog_version, catalog_version, price_entry, row_version FROM "
                      + db
                      + ".spans WHERE trace_id = '"
                      + ACME_TRACE
                      + "'")
              .get(0);
      assertThat(acme.getString("pricing_status")).isEqualTo("PRICED");
      assertThat(acme.getBigDecimal("total_cost")).isEqualByComparingTo("0.007");
      assertThat(acme.getBigDecimal("previous_total_cost")).isEqualByComparingTo("0");
      assertThat(acme.getString("previous_catalog_version")).isEqualTo("bundled-old");
      assertThat(acme.getString("catalog_version")).isNotEqualTo("bundled-old").isNotEmpty();
      assertThat(acme.getString("price_entry")).startsWith("override/");
      assertThat(acme.getBigInteger("row_version").signum()).isPositive();
      GenericRecord conv =
          c.queryAll(
                  "SELECT total_cost, unpriced_calls FROM "
                      + db
                      + ".conversation_costs WHERE conversation_id = 'conv-acme'")
              .get(0);
      assertThat(conv.getBigDecimal("total_cost")).isEqualByComparingTo("0.007");
      assertThat(conv.getLong("unpriced_calls")).isZero();
    }

    // Filters: one model; the others keep their cost.
    BigDecimal othersBefore =
        sum(
            "SELECT sum(total_cost) FROM "
                + db
                + ".spans WHERE request_model != 'gpt-4o-mini'"
                + " AND trace_id != '"
                + ACME_TRACE
                + "'");
    BigDecimal miniOld =
        sum("SELECT sum(total_cost) FROM " + db + ".spans WHERE request_model = 'gpt-4o-mini'");
    String run =
        CliRun.ok("reprice", "--since", "7h", "--model", "gpt-4o-mini", "--provider", "openai");
    assertThat(run)
        .contains(miniCalls + " of " + miniCalls + " spans since 7h changed (0 newly priced)");
    BigDecimal expected =
        sum(
            "SELECT sum(toDecimal128(input_tokens, 12) * toDecimal128('1.0', 12) / 1000000"
                + " + toDecimal128(cache_read_tokens, 12) * toDecimal128('0.1', 12) / 1000000"
                + " + toDecimal128(output_tokens + reasoning_tokens, 12) * toDecimal128('2.0', 12) / 1000000) FROM "
                + db
                + ".spans WHERE request_model = 'gpt-4o-mini'");
    BigDecimal miniNew =
        sum("SELECT sum(total_cost) FROM " + db + ".spans WHERE request_model = 'gpt-4o-mini'");
    assertThat(miniNew).isEqualByComparingTo(expected).isNotEqualByComparingTo(miniOld);
    assertThat(
            sum(
                "SELECT sum(previous_total_cost) FROM "
                    + db
                    + ".spans WHERE request_model = 'gpt-4o-mini'"))
        .isEqualByComparingTo(miniOld);
    assertThat(
            sum(
                "SELECT sum(total_cost) FROM "
                    + db
                    + ".spans WHERE request_model != 'gpt-4o-mini'"
                    + " AND trace_id != '"
                    + ACME_TRACE
                    + "'"))
        .isEqualByComparingTo(othersBefore);
    BigDecimal spansAfter = sum("SELECT sum(total_cost) FROM " + db + ".spans");
    assertThat(spansAfter)
        .isEqualByComparingTo(
            spansBefore.subtract(miniOld).add(miniNew).add(new BigDecimal("0.007")));
    // The rollups follow: every conversation's total is its spans'.
    assertThat(sum("SELECT sum(total_cost) FROM " + db + ".conversation_costs"))
        .isEqualByComparingTo(spansAfter);
    assertThat(CliRun.ok("verify", "--since", "7h")).contains("every one equals its recomputation");

    // A second run changes nothing and writes no row.
    long rows = count("SELECT count() FROM " + db + ".span_rows");
    assertThat(CliRun.ok("reprice", "--since", "7h"))
        .contains("0 of " + calls + " spans since 7h changed (0 newly priced)");
    assertThat(count("SELECT count() FROM " + db + ".span_rows")).isEqualTo(rows);
    assertThat(sum("SELECT sum(total_cost) FROM " + db + ".conversation_costs"))
        .isEqualByComparingTo(spansAfter);
  }

  @Test
  void aRunInterruptedBetweenItsRowsAndTheRecomputationIsFinishedByTheNext() throws Exception {
    Path overrides =
        Files.writeString(
            dir.resolve("overrides.json"),
            "{\"models\": [{\"provider\": \"acme\", \"model\": \"acme-1\","
                + " \"prices\": {\"input_mtok\": 3.0, \"output_mtok\": 4.0}}]}");
    System.setProperty("costtrace.prices.overrides", overrides.toString());
    PricedSpan p;
    try (SpanPricer pricer = SpanPricer.fromConfig(Config.fromEnvironment())) {
      p =
          pricer.priceUsage(
              "acme",
              "acme-1",
              new TokenUsage(1000, 0, 0, 0, 1000, 0, 0, 0),
              Instant.now(),
              "",
              "");
    }
    // What a reprice killed after writing a repriced row and before recomputing its trace leaves:
    // the new row version, the rollups of before.
    try (Client c = engine.newClient("default")) {
      c.queryAll(
          "INSERT INTO "
              + db
              + ".span_rows SELECT * REPLACE ("
              + " toDecimal128('"
              + p.cost().input()
              + "', 12) AS input_cost,"
              + " toDecimal128('"
              + p.cost().output()
              + "', 12) AS output_cost,"
              + " toDecimal128('"
              + p.total()
              + "', 12) AS total_cost, 'PRICED' AS pricing_status,"
              + " '"
              + p.priceEntry()
              + "' AS price_entry, '"
              + p.catalogVersion()
              + "' AS catalog_version,"
              + " total_cost AS previous_total_cost, catalog_version AS previous_catalog_version,"
              + " toUInt64(toUnixTimestamp64Nano(now64(9))) AS row_version) FROM "
              + db
              + ".span_rows FINAL WHERE trace_id = '"
              + ACME_TRACE
              + "'");
    }
    assertThat(CliRun.execute("verify", "--since", "7h").exit()).isEqualTo(1);
    // The next run finds the row priced as the catalog says (nothing to write) and recomputes the
    // trace its predecessor left behind.
    assertThat(CliRun.ok("reprice", "--since", "7h", "--conversation", "conv-acme"))
        .contains("0 of 1 spans since 7h changed")
        .contains("rollups of 1 traces recomputed");
    assertThat(CliRun.ok("verify", "--since", "7h")).contains("every one equals its recomputation");
    assertThat(
            sum(
                "SELECT total_cost FROM "
                    + db
                    + ".conversation_costs WHERE conversation_id = 'conv-acme'"))
        .isEqualByComparingTo("0.007");
    // And a further run has nothing left to do.
    assertThat(CliRun.ok("reprice", "--since", "7h", "--conversation", "conv-acme"))
        .contains("rollups of 0 traces recomputed");
  }

  /**
   * A real {@code costtrace reprice} process, one window at a time, killed with SIGKILL right after
   * ClickHouse stored its second window's repriced rows (before it recomputed their traces); the
   * next run gives what one run gives: every span repriced once, from its original cost, at the
   * catalog's price; the rollups equal their recomputation.
   */
  @Test
  void aRunKilledHalfWayAndRunAgainGivesWhatOneRunGives() throws Exception {
    Path overrides =
        Files.writeString(
            dir.resolve("overrides.json"),
            """
        {"models": [
          {"provider": "openai", "model": "gpt-4o-mini",
           "prices": {"input_mtok": 1.0, "cache_read_mtok": 0.1, "output_mtok": 2.0}},
          {"provider": "acme", "model": "acme-1", "prices": {"input_mtok": 3.0, "output_mtok": 4.0}}
        ]}
        """);
    String affected = " FROM " + db + ".spans WHERE request_model IN ('gpt-4o-mini', 'acme-1')";
    long spans = count("SELECT count()" + affected);
    BigDecimal original = sum("SELECT sum(total_cost)" + affected);

    URI engineUrl = URI.create(engine.httpUrl());
    AtomicReference<Process> reprice = new AtomicReference<>();
    try (ClickHouseFaultProxy proxy = new ClickHouseFaultProxy(engineUrl.getPort())) {
      CountDownLatch killed =
          proxy.arm(
              Pattern.compile("INSERT INTO \\w+\\.span_rows\\b"),
              2,
              ClickHouseFaultProxy.Moment.AFTER,
              () -> reprice.get().destroyForcibly()); // SIGKILL
      ProcessBuilder pb =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  System.getProperty("java.class.path"),
                  CostTrace.class.getName(),
                  "reprice",
                  "--since",
                  "7h")
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("reprice.log").toFile());
      pb.environment().put("CLICKHOUSE_URL", proxy.url());
      pb.environment().put("CLICKHOUSE_USER", engine.user());
      pb.environment().put("CLICKHOUSE_PASSWORD", engine.password());
      pb.environment().put("COSTTRACE_CLICKHOUSE_DATABASE", db);
      pb.environment().put("COSTTRACE_PRICES_OVERRIDES", overrides.toString());
      pb.environment().put("COSTTRACE_REPRICE_WINDOW_SPANS", "1"); // a window an hour
      reprice.set(pb.start());
      assertThat(killed.await(3, TimeUnit.MINUTES))
          .as(Files.readString(dir.resolve("reprice.log")))
          .isTrue();
      assertThat(reprice.get().waitFor(1, TimeUnit.MINUTES)).isTrue();
      assertThat(reprice.get().exitValue()).isEqualTo(137); // 128 + SIGKILL
    }
    long repriced = count("SELECT count()" + affected + " AND previous_total_cost IS NOT NULL");
    assertThat(repriced).isPositive();
    assertThat(CliRun.execute("verify", "--since", "7h").exit())
        .as("the killed run left rollups behind")
        .isEqualTo(1);

    System.setProperty("costtrace.prices.overrides", overrides.toString());
    System.setProperty(RepriceCommand.WINDOW_SPANS_KEY, "1");
    try {
      assertThat(CliRun.ok("reprice", "--since", "7h")).contains((spans - repriced) + " of ");
    } finally {
      System.clearProperty(RepriceCommand.WINDOW_SPANS_KEY);
    }
    // What one run gives: each span repriced once from its original cost, at the new prices.
    assertThat(count("SELECT count()" + affected + " AND previous_total_cost IS NOT NULL"))
        .isEqualTo(spans);
    assertThat(sum("SELECT sum(previous_total_cost)" + affected)).isEqualByComparingTo(original);
    BigDecimal expected =
        sum(
            "SELECT sum(toDecimal128(input_tokens, 12) * toDecimal128(if(request_model = 'acme-1',"
                + " '3.0', '1.0'), 12) / 1000000 + toDecimal128(cache_read_tokens, 12) * toDecimal128('0.1', 12) / 1000000"
                + " + toDecimal128(output_tokens + reasoning_tokens, 12) * toDecimal128(if(request_model = 'acme-1', '4.0',"
                + " '2.0'), 12) / 1000000)"
                + affected);
    assertThat(sum("SELECT sum(total_cost)" + affected)).isEqualByComparingTo(expected);
    assertThat(CliRun.ok("verify", "--since", "7h")).contains("every one equals its recomputation");
    assertThat(sum("SELECT sum(total_cost) FROM " + db + ".conversation_costs"))
        .isEqualByComparingTo(sum("SELECT sum(total_cost) FROM " + db + ".spans"));
    assertThat(CliRun.ok("reprice", "--since", "7h", "--dry-run")).contains("dry run: 0 of ");
  }

  private long count(String sql) throws Exception {
    try (Client c = engine.newClient("default")) {
      return c.queryAll(sql).get(0).getLong(1);
    }
  }

  private BigDecimal sum(String sql) throws Exception {
    try (Client c = engine.newClient("default")) {
      return c.queryAll(sql).get(0).getBigDecimal(1);
    }
  }
}
