package dev.costtrace.bench.sink;

import static dev.costtrace.sink.SpanColumns.*;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.insert.InsertSettings;
import com.clickhouse.data.ClickHouseFormat;
import dev.costtrace.config.Config;
import dev.costtrace.sink.ClickHouseSink;
import dev.costtrace.sink.SpanAttribution;
import dev.costtrace.sink.SpanCostRow;
import dev.costtrace.sink.SpanRowBinary;
import dev.costtrace.sink.buffer.GrowableBytes;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.engine.ClickHouseResolver;
import dev.costtrace.sink.rollup.RollupRecomputer;
import dev.costtrace.sink.schema.Migrator;
import dev.costtrace.sink.schema.SchemaOptions;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * Sink throughput against a bare RowBinary insert of the same rows into the same engine, in one
 * run; write-to-conversation-rollup lag while the sink is saturated; and the top-10 conversations
 * query over a large spans table. Results: benchmarks/results/sink.json.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.costtrace.bench.sink.SinkBenchmark
 * [rows] [bigTableSpans]} (defaults 200000 and 10000000). Uses the ClickHouse the resolver finds
 * (CLICKHOUSE_URL, Docker, else the embedded engine on a temporary directory).
 */
public final class SinkBenchmark {
  private static final long T0 = 1_767_225_600_000_000_000L;

  public static void main(String[] args) throws Exception {
    int rows = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    long big = args.length > 1 ? Long.parseLong(args[1]) : 10_000_000L;
    Path tmp = Files.createTempDirectory("costtrace-sink-bench");
    Config config =
        Config.fromEnvironment()
            .withOverrides(
                Map.of("costtrace.clickhouse.embedded.dir", tmp.resolve("engine").toString()));
    try (ClickHouseEndpoint endpoint = ClickHouseResolver.resolve(config);
        Client client = endpoint.newClient("default")) {
      List<SpanCostRow> data = rows(rows, 42);
      String bareDb = "bench_bare";
      String sinkDb = "bench_sink";
      for (String db : List.of(bareDb, sinkDb)) {
        client.execute("DROP DATABASE IF EXISTS " + db).get().close();
        new Migrator(client, new SchemaOptions(db, "", Duration.ZERO)).up();
      }

      // 1. Bare RowBinary insert of the same rows, same batch size, same tables and views.
      SpanRowBinary<SpanCostRow> encoder =
          SpanRowBinary.spans(client.getTableSchema("span_rows", bareDb));
      long bareStart = System.nanoTime();
      for (int i = 0; i < data.size(); i += 5000) {
        GrowableBytes bytes = new GrowableBytes(5000 * 512);
        for (SpanCostRow r : data.subList(i, Math.min(data.size(), i + 5000))) {
          encoder.append(bytes, r);
        }
        client
            .insert(
                bareDb + ".span_rows",
                bytes.inputStream(),
                ClickHouseFormat.RowBinary,
                new InsertSettings())
            .get(5, TimeUnit.MINUTES)
            .close();
      }
      double bareSeconds = (System.nanoTime() - bareStart) / 1e9;
      System.out.printf(Locale.ROOT, "bare RowBinary: %d rows in %.2f s%n", rows, bareSeconds);

      // 2. The sink: receiver-sized accept calls of 100 rows, until all is in ClickHouse.
      ClickHouseSink sink =
          ClickHouseSink.builder()
              .client(endpoint.newClient("default"), true)
              .database(sinkDb)
              .bufferDir(tmp.resolve("buffer"))
              .build();
      long sinkStart = System.nanoTime();
      for (int i = 0; i < data.size(); i += 100) {
        sink.accept(data.subList(i, Math.min(data.size(), i + 100)), List.of());
      }
      boolean drained = sink.flush(Duration.ofMinutes(10));
      double sinkSeconds = (System.nanoTime() - sinkStart) / 1e9;
      System.out.printf(
          Locale.ROOT, "sink: %d rows in %.2f s (drained: %s)%n", rows, sinkSeconds, drained);

      // 3. Lag at saturation: the sink always has a backlog of ~20k rows to write; a probe trace's
      //    attribution is accepted behind it, and we time until its conversation is queryable.
      List<SpanCostRow> more = rows(rows, 43);
      List<Double> lags = new ArrayList<>();
      int next = 0;
      for (int probe = 0; probe < 5; probe++) {
        while (backlog(sink) < 20_000 && next < more.size()) {
          sink.accept(more.subList(next, Math.min(more.size(), next + 100)), List.of());
          next += 100;
        }
        SpanCostRow marker = more.get(Math.max(0, next - 1));
        String conv = "lag-probe-" + probe;
        long sent = System.nanoTime();
        sink.accept(
            List.of(),
            List.of(
                new SpanAttribution(
                    "", marker.traceId(), "0000000000000001", T0, conv, "", "", "", Map.of(), T0)));
        while (client
                .queryAll(
                    "SELECT count() FROM "
                        + sinkDb
                        + ".conversation_costs WHERE"
                        + " conversation_id = '"
                        + conv
                        + "'")
                .get(0)
                .getLong(1)
            == 0) {
          while (backlog(sink) < 20_000 && next < more.size()) { // stay saturated
            sink.accept(more.subList(next, Math.min(more.size(), next + 100)), List.of());
            next += 100;
          }
          Thread.sleep(20);
        }
        lags.add((System.nanoTime() - sent) / 1e9);
        System.out.printf(Locale.ROOT, "rollup lag probe %d: %.2f s%n", probe, lags.get(probe));
      }
      sink.close();

      // 4. Top-10 conversations by cost over a big table, generated inside ClickHouse.
      String bigDb = "bench_big";
      client.execute("DROP DATABASE IF EXISTS " + bigDb).get().close();
      new Migrator(client, new SchemaOptions(bigDb, "", Duration.ZERO)).up();
      long genStart = System.nanoTime();
      client
          .execute(
              "INSERT INTO "
                  + bigDb
                  + ".span_rows (trace_id, span_id, start_time, end_time,"
                  + " conversation_id, provider, response_model, operation, input_tokens, output_tokens,"
                  + " total_cost, pricing_status) SELECT"
                  + " hex(intDiv(number, 5)) AS trace_id, hex(number) AS span_id,"
                  + " toDateTime64('2026-01-01 00:00:00', 9, 'UTC') + intDiv(number, 1000) AS start_time,"
                  + " start_time + 1 AS end_time, concat('conv-', toString(intDiv(number, 50))) AS conversation_id,"
                  + " 'openai', if(number % 3 = 0, 'gpt-4o', 'gpt-4o-mini'), 'chat', 1000 + number % 5000, 200,"
                  + " toDecimal128(number % 997, 12) / 100000, 'PRICED'"
                  + " FROM numbers("
                  + big
                  + ")",
              Map.of("max_insert_block_size", "1000000"))
          .get(60, TimeUnit.MINUTES)
          .close();
      client
          .execute(
              "INSERT INTO "
                  + bigDb
                  + ".span_attributions (trace_id, span_id, start_time, conversation_id)"
                  + " SELECT trace_id, min(span_id), min(start_time), any(conversation_id) FROM "
                  + bigDb
                  + ".span_rows"
                  + " GROUP BY trace_id",
              Map.of())
          .get(60, TimeUnit.MINUTES)
          .close();
      new RollupRecomputer(client, new SchemaOptions(bigDb, "", Duration.ZERO))
          .recompute(Instant.parse("2025-12-31T00:00:00Z"), Instant.parse("2027-01-01T00:00:00Z"));
      double genSeconds = (System.nanoTime() - genStart) / 1e9;
      System.out.printf(Locale.ROOT, "generated %d spans in %.1f s%n", big, genSeconds);
      List<Double> topTimes = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        long q = System.nanoTime();
        client.queryAll(
            "SELECT conversation_id, total_cost FROM "
                + bigDb
                + ".conversation_costs"
                + " ORDER BY total_cost DESC LIMIT 10");
        topTimes.add((System.nanoTime() - q) / 1e9);
      }

      double bareRate = rows / bareSeconds;
      double sinkRate = rows / sinkSeconds;
      String json =
          String.format(
              Locale.ROOT,
              "{\"date\":\"%s\",\"engine\":\"%s\",\"rows\":%d,\"bare_rowbinary_rows_per_s\":%.0f,"
                  + "\"sink_rows_per_s\":%.0f,\"ratio_sink_to_bare\":%.3f,\"sink_drained\":%s,"
                  + "\"rollup_lag_seconds\":%s,\"big_table_spans\":%d,\"big_table_generate_seconds\":%.1f,"
                  + "\"top10_conversations_seconds\":%s}",
              Instant.now(),
              endpoint,
              rows,
              bareRate,
              sinkRate,
              sinkRate / bareRate,
              drained,
              lags,
              big,
              genSeconds,
              topTimes);
      Path out = Path.of("benchmarks/results/sink.json");
      Files.createDirectories(out.getParent());
      Files.writeString(out, json + "\n");
      System.out.println(json);
    }
  }

  private static long backlog(ClickHouseSink sink) {
    var m = sink.metrics();
    return m.rowsAccepted() - m.rowsWritten() - m.rowsDuplicate() - m.rowsDeadLettered();
  }

  static List<SpanCostRow> rows(int n, long seed) {
    Random r = new Random(seed);
    HexFormat hex = HexFormat.of();
    List<SpanCostRow> out = new ArrayList<>(n);
    String trace = "";
    String[] models = {"gpt-4o", "gpt-4o-mini", "claude-sonnet-4-5", "gemini-2.5-flash"};
    for (int i = 0; i < n; i++) {
      if (i % 4 == 0) {
        byte[] t = new byte[16];
        r.nextBytes(t);
        trace = hex.formatHex(t);
      }
      byte[] s = new byte[8];
      r.nextBytes(s);
      BigDecimal cost = new BigDecimal(r.nextInt(90_000_000)).movePointLeft(12);
      String model = models[r.nextInt(models.length)];
      out.add(
          SpanCostRow.builder()
              .traceId(trace)
              .spanId(hex.formatHex(s))
              .set(START_TIME, T0 + i * 1_000_000L)
              .set(END_TIME, T0 + i * 1_000_000L + 800_000_000L)
              .set(SERVICE_NAME, "support-bot")
              .set(TENANT_ID, "acme")
              .set(PROVIDER, "openai")
              .set(REQUEST_MODEL, model)
              .set(RESPONSE_MODEL, model)
              .set(OPERATION, "chat")
              .set(INPUT_TOKENS, 800L + r.nextInt(4000))
              .set(CACHE_READ_TOKENS, (long) r.nextInt(2000))
              .set(OUTPUT_TOKENS, 100L + r.nextInt(900))
              .set(INPUT_COST, cost)
              .set(TOTAL_COST, cost)
              .set(PRICING_STATUS, "PRICED")
              .set(PRICING_REASON, "priced with openai/" + model + " (base)")
              .set(CATALOG_VERSION, "bundled@bench")
              .set(PRICE_ENTRY, "openai/" + model)
              .build());
    }
    return out;
  }
}
