package dev.costtrace.bench.receiver;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.insert.InsertSettings;
import com.clickhouse.data.ClickHouseFormat;
import com.sun.management.OperatingSystemMXBean;
import dev.costtrace.receiver.attribution.TraceAttributor;
import dev.costtrace.receiver.ingest.OtlpReceiver;
import dev.costtrace.receiver.pipeline.PricingPipeline;
import dev.costtrace.sink.ClickHouseSink;
import dev.costtrace.sink.SpanAttribution;
import dev.costtrace.sink.SpanCostRow;
import dev.costtrace.sink.SpanRowBinary;
import dev.costtrace.sink.buffer.GrowableBytes;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.schema.Migrator;
import dev.costtrace.sink.schema.SchemaOptions;
import java.io.ByteArrayInputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * End to end over gRPC into ClickHouse through the ClickHouseSink, and in the same run the bare
 * parts of its limit: a bare RowBinary insert of exactly the rows these payloads make (the bare
 * decode comes from the in-process phases).
 */
final class EndToEnd {
  /** How long the end-to-end load generator warms its client up, on a discarding receiver. */
  private static final int CLIENT_WARM_UP_SECONDS = 10;

  /** The sink's default batch size, used by the end-to-end sink and the bare insert alike. */
  static final int SINK_BATCH_ROWS = 5_000;

  private EndToEnd() {}

  /**
   * One end-to-end run and, just before it, the bare insert of the same rows: both into fresh
   * databases of the same engine. Adds this run's figures to {@code runs}.
   */
  static void run(
      ClickHouseEndpoint endpoint,
      Client client,
      List<byte[]> e2e,
      double bareDecodeCpuUs,
      Path bufferDir,
      Measurements runs)
      throws Exception {
    long sent = (long) e2e.size() * Workload.SPANS_PER_REQUEST;
    // 3a. Bare insert: the rows the pipeline makes of these payloads, pre-encoded as RowBinary in
    // the sink's batches (5,000 span rows and their attributions), into the same tables and
    // materialized view, one batch after the other as the sink's writer does.
    String bareDb = "bench_receiver_bare";
    client.execute("DROP DATABASE IF EXISTS " + bareDb).get().close();
    new Migrator(client, new SchemaOptions(bareDb, "", Duration.ZERO)).up();
    BareInsert bareInsert = BareInsert.of(e2e, client, bareDb, SINK_BATCH_ROWS);
    System.gc();
    long chCpu0 = HostCpu.clickHouseCpuNanos();
    long bareStart = System.nanoTime();
    bareInsert.run(client, bareDb);
    double bareInsertSeconds = (System.nanoTime() - bareStart) / 1e9;
    long bareChCpu = HostCpu.clickHouseCpuNanos() - chCpu0;
    runs.add("bare_insert_span_rows", bareInsert.spanRows);
    runs.add("bare_insert_attribution_rows", bareInsert.attributionRows);
    runs.add("bare_insert_rows_per_s", bareInsert.spanRows / bareInsertSeconds);
    runs.add("bare_insert_us_per_payload_span", bareInsertSeconds * 1e6 / sent);
    runs.add("bare_insert_clickhouse_cpu_us_per_payload_span", bareChCpu / 1e3 / sent);
    // The limit: receiver and ClickHouse share the same cores, so a payload span costs at least its
    // bare decode (CPU time, one thread) plus its share of the bare insert (wall time).
    double limit = 1 / (bareDecodeCpuUs / 1e6 + bareInsertSeconds / sent);
    runs.add("limit_spans_per_s", limit);
    // The stricter limit of a perfect pipeline, decode and insert overlapped (the slower one sets
    // the
    // pace): the one that applies when ClickHouse does not share the receiver's cores (bench.pin).
    double pipelinedLimit = 1 / Math.max(bareDecodeCpuUs / 1e6, bareInsertSeconds / sent);
    runs.add("pipelined_limit_spans_per_s", pipelinedLimit);
    System.out.printf(
        Locale.ROOT,
        "bare insert: %d span rows + %d attribution rows in %.2f s (%.0f rows/s,"
            + " %.3f µs/payload span; ClickHouse CPU %.3f µs/payload span); limit %.0f spans/s%n",
        bareInsert.spanRows,
        bareInsert.attributionRows,
        bareInsertSeconds,
        bareInsert.spanRows / bareInsertSeconds,
        bareInsertSeconds * 1e6 / sent,
        bareChCpu / 1e3 / sent,
        limit);
    bareInsert = null; // its ~30 MB of batches must not burden the end-to-end run's collections
    // What ClickHouse still does for these rows after the window (background merges of the parts),
    // measured alike after both windows: it tells merges apart from contention in the difference.
    runs.add(
        "bare_insert_clickhouse_cpu_us_per_payload_span_in_the_settle_after",
        HostCpu.settleCpuUs(sent));
    // Dropped, so that its parts' background merges do not run (and count) during the end-to-end
    // run.
    client.execute("DROP DATABASE " + bareDb + " SYNC").get().close();

    // 3b. End to end: the same payloads over gRPC through the receiver and the ClickHouseSink.
    String db = "bench_receiver";
    client.execute("DROP DATABASE IF EXISTS " + db).get().close();
    new Migrator(client, new SchemaOptions(db, "", Duration.ZERO)).up();
    ClickHouseSink sink =
        ClickHouseSink.builder()
            .client(endpoint.newClient("default"), true)
            .database(db)
            .bufferDir(bufferDir)
            .batchSize(SINK_BATCH_ROWS)
            .build();
    OtlpReceiver real =
        OtlpReceiver.builder()
            .host("127.0.0.1")
            .grpcPort(0)
            .httpPort(0)
            .consumer(
                PricingPipeline.builder(sink)
                    .attributor(new TraceAttributor(Duration.ofSeconds(30), 100_000))
                    .build())
            .start();
    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    System.gc();
    long gc0;
    Map<String, Long> threads0;
    Map<String, Long> jvm0;
    long cpu0;
    long start;
    double ackSeconds;
    long loadCpu;
    HostCpu.Jiffies idle0;
    HostCpu.Jiffies idleAck;
    // The load generator warms its client up on a discarding receiver first (a cold client JVM
    // would take as much CPU as the receiver, on the same cores).
    OtlpReceiver warm =
        OtlpReceiver.builder()
            .host("127.0.0.1")
            .grpcPort(0)
            .httpPort(0)
            .consumer(
                PricingPipeline.builder(new DiscardingSink())
                    .attributor(new TraceAttributor(Duration.ofSeconds(30), 100_000))
                    .build())
            .start();
    try (LoadChild child =
        LoadChild.start(
            "grpc",
            real.grpcPort(),
            "all",
            CLIENT_WARM_UP_SECONDS,
            0,
            e2e.size(),
            Integer.toString(warm.grpcPort()))) {
      gc0 = HostCpu.gcMillis();
      threads0 = HostCpu.cpuByThreadGroup();
      jvm0 = HostCpu.jvmThreadCpu();
      cpu0 = os.getProcessCpuTime();
      chCpu0 = HostCpu.clickHouseCpuNanos();
      start = System.nanoTime();
      idle0 = HostCpu.cpuStat();
      LoadChild.Done done = child.awaitDone();
      idleAck = HostCpu.cpuStat();
      ackSeconds = (System.nanoTime() - start) / 1e9;
      loadCpu = done.cpuNanos();
      if (done.requests() != e2e.size()) {
        throw new IllegalStateException(
            "sent " + done.requests() + " of " + e2e.size() + " requests");
      }
    }
    boolean drained = sink.flush(Duration.ofMinutes(10));
    HostCpu.Jiffies idleEnd = HostCpu.cpuStat();
    double e2eSeconds = (System.nanoTime() - start) / 1e9;
    long jvmCpu = os.getProcessCpuTime() - cpu0;
    long chCpu = HostCpu.clickHouseCpuNanos() - chCpu0;
    long gc = HostCpu.gcMillis() - gc0;
    Map<String, Long> threads1 = HostCpu.cpuByThreadGroup();
    Map<String, Long> jvm1 = HostCpu.jvmThreadCpu();
    StringBuilder where = new StringBuilder();
    for (String group : new String[] {"workers", "transport", "sink", "other"}) {
      double us =
          (threads1.getOrDefault(group, 0L) - threads0.getOrDefault(group, 0L)) / 1e3 / sent;
      runs.add("end_to_end_" + group + "_threads_cpu_us_per_span", us);
      where.append(String.format(Locale.ROOT, "%s %.3f, ", group, us));
    }
    for (String kind : new String[] {"gc", "jit"}) {
      double us = (jvm1.getOrDefault(kind, 0L) - jvm0.getOrDefault(kind, 0L)) / 1e3 / sent;
      runs.add("end_to_end_jvm_" + kind + "_threads_cpu_us_per_span", us);
      where.append(String.format(Locale.ROOT, "JVM %s %.3f, ", kind, us));
    }
    // Shut down only now, after the window: its shutdown deoptimises the receiver's compiled code.
    warm.shutdown(Duration.ofSeconds(1));
    real.shutdown(Duration.ofSeconds(5));
    // The writer's time in ClickHouse per batch: the inserts, and the recomputation of the rollups.
    var sinkMetrics = sink.metrics();
    sink.close();
    long batches = Math.max(1, sinkMetrics.batches());
    runs.add("end_to_end_sink_batches", sinkMetrics.batches());
    runs.add("end_to_end_insert_ms_per_batch", (double) sinkMetrics.insertMillis() / batches);
    runs.add("end_to_end_recompute_ms_per_batch", (double) sinkMetrics.recomputeMillis() / batches);
    runs.add(
        "end_to_end_recompute_share_of_writer_clickhouse_time",
        (double) sinkMetrics.recomputeMillis()
            / Math.max(1, sinkMetrics.insertMillis() + sinkMetrics.recomputeMillis()));
    System.out.printf(
        Locale.ROOT,
        "sink writer: %d batches, inserts %.1f ms and rollup recomputation %.1f ms per"
            + " batch%n",
        sinkMetrics.batches(),
        (double) sinkMetrics.insertMillis() / batches,
        (double) sinkMetrics.recomputeMillis() / batches);
    runs.add(
        "end_to_end_clickhouse_cpu_us_per_span_in_the_settle_after", HostCpu.settleCpuUs(sent));
    long stored = client.queryAll("SELECT count() AS n FROM " + db + ".spans").get(0).getLong("n");
    double e2eRate = sent / e2eSeconds;
    if (!drained) {
      throw new IllegalStateException("the sink did not drain into ClickHouse");
    }
    runs.add("end_to_end_priced_rows_stored", stored);
    runs.add("end_to_end_acknowledged_spans_per_s", sent / ackSeconds);
    runs.add("end_to_end_spans_per_s", e2eRate);
    runs.add("end_to_end_receiver_and_sink_cpu_us_per_span", jvmCpu / 1e3 / sent);
    runs.add("end_to_end_clickhouse_cpu_us_per_span", chCpu / 1e3 / sent);
    runs.add("end_to_end_gc_pause_us_per_span", gc * 1e3 / sent);
    runs.add("end_to_end_load_generator_cpu_us_per_span", loadCpu / 1e3 / sent);
    runs.add("ratio_end_to_end_to_limit", e2eRate / limit);
    runs.add("ratio_end_to_end_to_pipelined_limit", e2eRate / pipelinedLimit);
    // Idle share of the two cores: while the load generator sends (acknowledgements), and after it,
    // while the sink drains its backlog into ClickHouse.
    double idleSending = HostCpu.idleShare(idle0, idleAck);
    double idleDraining = HostCpu.idleShare(idleAck, idleEnd);
    runs.add("end_to_end_idle_share_while_sending", idleSending);
    runs.add("end_to_end_idle_share_while_draining", idleDraining);
    runs.add("end_to_end_idle_share", HostCpu.idleShare(idle0, idleEnd));
    System.out.printf(
        Locale.ROOT,
        "end to end (gRPC → ClickHouse): %.0f spans/s (%.3f of the limit, %.3f of the"
            + " pipelined limit), %d priced rows"
            + " stored; receiver+sink CPU %.3f µs/span (%s), ClickHouse CPU %.3f µs/span, load generator CPU %.3f"
            + " µs/span, GC pauses %.3f µs/span; acknowledged after %.2f s, drained after %.2f s; cores idle %.0f %%"
            + " while sending, %.0f %% while draining%n",
        e2eRate,
        e2eRate / limit,
        e2eRate / pipelinedLimit,
        stored,
        jvmCpu / 1e3 / sent,
        where,
        chCpu / 1e3 / sent,
        loadCpu / 1e3 / sent,
        gc * 1e3 / sent,
        ackSeconds,
        e2eSeconds,
        100 * idleSending,
        100 * idleDraining);
  }

  /**
   * The rows the pipeline makes of the end-to-end payloads (one accept call per request),
   * pre-encoded as the sink's writer would batch them: accept calls joined until a batch has at
   * least {@code batchRows} span rows; per batch one RowBinary insert into spans and one into
   * trace_attributions.
   */
  static final class BareInsert {
    final List<byte[]> spanBatches = new ArrayList<>();
    final List<byte[]> attributionBatches = new ArrayList<>();
    long spanRows;
    long attributionRows;

    static BareInsert of(List<byte[]> payloads, Client client, String db, int batchRows)
        throws Exception {
      PricedCalls priced = PricedCalls.of(payloads);
      List<List<SpanCostRow>> calls = priced.spans();
      List<List<SpanAttribution>> callAttributions = priced.attributions();
      SpanRowBinary<SpanCostRow> spans =
          SpanRowBinary.spans(client.getTableSchema("span_rows", db));
      SpanRowBinary<SpanAttribution> attributions =
          SpanRowBinary.attributions(client.getTableSchema("span_attributions", db));
      BareInsert out = new BareInsert();
      for (int i = 0; i < calls.size(); ) {
        GrowableBytes s = new GrowableBytes(batchRows * 512);
        GrowableBytes a = new GrowableBytes(batchRows * 128);
        int rows = 0;
        for (; i < calls.size() && rows < batchRows; i++) {
          for (SpanCostRow r : calls.get(i)) {
            spans.append(s, r);
            rows++;
          }
          for (SpanAttribution t : callAttributions.get(i)) {
            attributions.append(a, t);
            out.attributionRows++;
          }
        }
        out.spanRows += rows;
        out.spanBatches.add(s.toByteArray());
        out.attributionBatches.add(a.toByteArray());
      }
      return out;
    }

    void run(Client client, String db) throws Exception {
      for (int i = 0; i < spanBatches.size(); i++) {
        runBatch(client, db, i);
      }
    }

    /** Batch {@code i}: its span rows, then its observations. */
    void runBatch(Client client, String db, int i) throws Exception {
      client
          .insert(
              db + ".span_rows",
              new ByteArrayInputStream(spanBatches.get(i)),
              ClickHouseFormat.RowBinary,
              new InsertSettings())
          .get(5, TimeUnit.MINUTES)
          .close();
      if (attributionBatches.get(i).length > 0) {
        client
            .insert(
                db + ".span_attributions",
                new ByteArrayInputStream(attributionBatches.get(i)),
                ClickHouseFormat.RowBinary,
                new InsertSettings())
            .get(5, TimeUnit.MINUTES)
            .close();
      }
    }
  }
}
