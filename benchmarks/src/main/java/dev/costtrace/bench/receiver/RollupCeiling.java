package dev.costtrace.bench.receiver;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.insert.InsertSettings;
import com.clickhouse.client.api.query.QueryResponse;
import com.clickhouse.data.ClickHouseFormat;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.schema.Migrator;
import dev.costtrace.sink.schema.SchemaOptions;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The most any writer that keeps per-trace and per-conversation rollup rows can reach on this
 * engine, against the bare insert that defines the receiver benchmark's pipelined limit: the
 * end-to- end workload's span rows and observations inserted batch by batch as the sink batches
 * them (the bare insert), then the same with the finished rollup rows of those batches inserted
 * beside them (as if the writer had computed every rollup without reading anything back: no probe,
 * no recomputation), and the real sink's writer, in alternating rounds, each into a fresh database.
 * Per round the engine process's CPU time.
 *
 * <p>The rollup rows are the real writer's own output for the same workload (read once, {@code
 * FINAL}, sorted by start, cut into as many chunks as there are batches), so the ideal writer
 * inserts exactly the rows the real one ends with. Variants: rollups inserted with every batch, and
 * with every fourth (as the writer shares one recomputation among up to four batches behind a
 * backlog).
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar
 * dev.costtrace.bench.receiver.RollupCeiling [rounds] [out.json]} (default 5, {@code
 * benchmarks/results/rollup-ceiling.json}).
 */
public final class RollupCeiling {
  private RollupCeiling() {}

  public static void main(String[] args) throws Exception {
    int rounds = args.length > 0 ? Integer.parseInt(args[0]) : 5;
    Path out = Path.of(args.length > 1 ? args[1] : "benchmarks/results/rollup-ceiling.json");
    List<byte[]> payloads = Workload.payloads(300, 2);
    PricedCalls calls = PricedCalls.of(payloads);
    Path tmp = Files.createTempDirectory("costtrace-rollup-ceiling");
    Measurements runs = new Measurements();
    Map<String, Object> results = new LinkedHashMap<>();
    results.put("date", java.time.Instant.now().toString());
    results.put("load_average_at_start", HostCpu.loadAverage());
    try (ClickHouseEndpoint endpoint = ReceiverBenchmark.clickHouse(tmp);
        Client client = endpoint.newClient("default")) {
      // The real writer's rollups of this workload, to insert as the ideal writer would have.
      String source = "bench_ceiling_source";
      WriterCost.write(endpoint, client, source, calls, tmp.resolve("buffer-source"));
      EndToEnd.BareInsert bare =
          EndToEnd.BareInsert.of(payloads, client, source, EndToEnd.SINK_BATCH_ROWS);
      int batches = bare.spanBatches.size();
      List<byte[]> traceChunks = chunks(client, source, "trace_rollups", "start_time", batches);
      List<byte[]> conversationChunks =
          chunks(client, source, "conversation_rollups", "first_seen", batches);
      long traceRows = count(client, source, "trace_rollups");
      long conversationRows = count(client, source, "conversation_rollups");
      results.put("span_rows", bare.spanRows);
      results.put("attribution_rows", bare.attributionRows);
      results.put("trace_rollup_rows", traceRows);
      results.put("conversation_rollup_rows", conversationRows);
      results.put("batches", batches);
      System.out.printf(
          Locale.ROOT,
          "%d span rows, %d observations, %d trace rollups, %d conversation rollups, %d batches%n",
          bare.spanRows,
          bare.attributionRows,
          traceRows,
          conversationRows,
          batches);
      for (int round = 0; round < rounds; round++) {
        String db = "bench_ceiling";
        fresh(client, db);
        long cpu0 = HostCpu.clickHouseCpuNanos();
        bare.run(client, db);
        long bareMs = (HostCpu.clickHouseCpuNanos() - cpu0) / 1_000_000;

        fresh(client, db);
        long ideal = idealWriter(client, db, bare, traceChunks, conversationChunks, 1);

        fresh(client, db);
        long ideal4 = idealWriter(client, db, bare, traceChunks, conversationChunks, 4);

        long writerMs =
            WriterCost.write(endpoint, client, db, calls, tmp.resolve("buffer-" + round))
                .engineCpuMillis();
        runs.add("bare_insert_engine_cpu_ms", bareMs);
        runs.add("ideal_writer_engine_cpu_ms", ideal);
        runs.add("ideal_writer_every_4_batches_engine_cpu_ms", ideal4);
        runs.add("writer_engine_cpu_ms", writerMs);
        runs.add("ceiling_ratio", (double) bareMs / ideal);
        runs.add("ceiling_ratio_every_4_batches", (double) bareMs / ideal4);
        runs.add("writer_ratio", (double) bareMs / writerMs);
        System.out.printf(
            Locale.ROOT,
            "round %d: engine CPU ms: bare insert %d, ideal writer %d (every 4 batches %d),"
                + " writer %d; bare ÷ ideal %.2f (%.2f), bare ÷ writer %.2f%n",
            round,
            bareMs,
            ideal,
            ideal4,
            writerMs,
            (double) bareMs / ideal,
            (double) bareMs / ideal4,
            (double) bareMs / writerMs);
      }
      client.execute("DROP DATABASE IF EXISTS " + source + " SYNC").get().close();
    }
    results.put("load_average_at_end", HostCpu.loadAverage());
    runs.summariseInto(results);
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(
        out,
        new com.fasterxml.jackson.databind.ObjectMapper()
            .writerWithDefaultPrettyPrinter()
            .writeValueAsString(results));
    System.out.println("written " + out);
  }

  private static void fresh(Client client, String db) throws Exception {
    client.execute("DROP DATABASE IF EXISTS " + db + " SYNC").get().close();
    new Migrator(client, new SchemaOptions(db, "", Duration.ZERO)).up();
  }

  /**
   * The bare insert's batches, and after every {@code every} of them the rollup rows of those
   * batches: the engine's CPU time, ms.
   */
  private static long idealWriter(
      Client client,
      String db,
      EndToEnd.BareInsert bare,
      List<byte[]> traceChunks,
      List<byte[]> conversationChunks,
      int every)
      throws Exception {
    long cpu0 = HostCpu.clickHouseCpuNanos();
    int batches = bare.spanBatches.size();
    for (int i = 0; i < batches; i++) {
      bare.runBatch(client, db, i);
      if ((i + 1) % every == 0 || i == batches - 1) {
        int from = i - (i % every);
        insert(client, db + ".trace_rollups", join(traceChunks, from, i + 1));
        insert(client, db + ".conversation_rollups", join(conversationChunks, from, i + 1));
      }
    }
    return (HostCpu.clickHouseCpuNanos() - cpu0) / 1_000_000;
  }

  private static byte[] join(List<byte[]> chunks, int from, int to) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (int i = from; i < to; i++) {
      out.writeBytes(chunks.get(i));
    }
    return out.toByteArray();
  }

  private static void insert(Client client, String table, byte[] rows) throws Exception {
    if (rows.length == 0) {
      return;
    }
    client
        .insert(
            table, new ByteArrayInputStream(rows), ClickHouseFormat.RowBinary, new InsertSettings())
        .get(5, TimeUnit.MINUTES)
        .close();
  }

  private static long count(Client client, String db, String table) throws Exception {
    return client
        .queryAll("SELECT count() AS n FROM " + db + "." + table + " FINAL")
        .get(0)
        .getLong("n");
  }

  /** The table's rows (FINAL), sorted by {@code order}, in {@code n} RowBinary chunks. */
  private static List<byte[]> chunks(Client client, String db, String table, String order, int n)
      throws Exception {
    long rows = count(client, db, table);
    List<byte[]> out = new ArrayList<>();
    long per = (rows + n - 1) / n;
    for (int i = 0; i < n; i++) {
      try (QueryResponse r =
          client
              .query(
                  "SELECT * FROM "
                      + db
                      + "."
                      + table
                      + " FINAL ORDER BY "
                      + order
                      + " LIMIT "
                      + per
                      + " OFFSET "
                      + (i * per)
                      + " FORMAT RowBinary")
              .get(5, TimeUnit.MINUTES)) {
        out.add(r.getInputStream().readAllBytes());
      }
    }
    return out;
  }
}
