package dev.costtrace.bench.receiver;

import com.clickhouse.client.api.Client;
import dev.costtrace.receiver.attribution.TraceAttributor;
import dev.costtrace.receiver.ingest.OtlpReceiver;
import dev.costtrace.receiver.pipeline.PricingPipeline;
import dev.costtrace.sink.ClickHouseSink;
import dev.costtrace.sink.VisibilityLag;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.rollup.RollupVerifier;
import dev.costtrace.sink.schema.Migrator;
import dev.costtrace.sink.schema.SchemaOptions;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * The receiver benchmark's rollup phases. {@code visibility}: the end-to-end payloads sent at the
 * rate the end-to-end run sustained (saturation), and for every acknowledged export the time until
 * its rollups are written (the sink's own measure: acknowledgement to batch committed, which is
 * after its conversation rollups are in ClickHouse). {@code backlog}: a receiver that acknowledged
 * a backlog while ClickHouse was unreachable, restarted; the time until all of it is visible.
 */
final class RollupLag {
  static final int BACKLOG_SPAN_ROWS = 50_000;

  private RollupLag() {}

  private static ClickHouseSink sink(ClickHouseEndpoint endpoint, String db, Path buffer) {
    return ClickHouseSink.builder()
        .client(endpoint.newClient("default"), true)
        .database(db)
        .bufferDir(buffer)
        .batchSize(5_000)
        .build();
  }

  private static PricingPipeline pipeline(ClickHouseSink sink) {
    return PricingPipeline.builder(sink)
        .attributor(new TraceAttributor(Duration.ofSeconds(30), 100_000))
        .build();
  }

  /** Sends the payloads at {@code spansPerSecond} over gRPC; records the lags. */
  static void visibility(
      ClickHouseEndpoint endpoint,
      Client client,
      List<byte[]> payloads,
      double spansPerSecond,
      Path buffer,
      Measurements runs)
      throws Exception {
    String db = "bench_visibility";
    client.execute("DROP DATABASE IF EXISTS " + db).get().close();
    new Migrator(client, new SchemaOptions(db, "", Duration.ZERO)).up();
    ClickHouseSink sink = sink(endpoint, db, buffer);
    OtlpReceiver receiver =
        OtlpReceiver.builder()
            .host("127.0.0.1")
            .grpcPort(0)
            .httpPort(0)
            .consumer(pipeline(sink))
            .start();
    long start = System.nanoTime();
    LoadChild.Done done;
    try (LoadChild child =
        LoadChild.start(
            "grpc",
            receiver.grpcPort(),
            "paced",
            0,
            0,
            payloads.size(),
            Long.toString(Math.round(spansPerSecond)))) {
      done = child.awaitDone();
    }
    double sendSeconds = (System.nanoTime() - start) / 1e9;
    boolean drained = sink.flush(Duration.ofMinutes(5));
    VisibilityLag.Snapshot lags = sink.metrics().visibility();
    receiver.shutdown(Duration.ofSeconds(5));
    sink.close();
    if (!drained) {
      throw new IllegalStateException("the sink did not drain");
    }
    long spans = done.spans();
    runs.add("visibility_offered_spans_per_s", spansPerSecond);
    runs.add("visibility_acknowledged_spans_per_s", spans / sendSeconds);
    runs.add("visibility_exports", (double) lags.count());
    runs.add("visibility_p50_seconds", lags.quantileMillis(0.5) / 1e3);
    runs.add("visibility_p99_seconds", lags.quantileMillis(0.99) / 1e3);
    runs.add("visibility_max_seconds", lags.quantileMillis(1.0) / 1e3);
    System.out.printf(
        Locale.ROOT,
        "rollup visibility at %.0f spans/s offered (%.0f acknowledged/s): %d exports,"
            + " acknowledgement → rollups written p50 %.2f s, p99 %.2f s, max %.2f s%n",
        spansPerSecond,
        spans / sendSeconds,
        lags.count(),
        lags.quantileMillis(0.5) / 1e3,
        lags.quantileMillis(0.99) / 1e3,
        lags.quantileMillis(1.0) / 1e3);
  }

  /**
   * A receiver acknowledges {@value #BACKLOG_SPAN_ROWS} span rows while ClickHouse is unreachable
   * and stops; a new one starts on the same buffer with ClickHouse back. Records the seconds from
   * its start until every row and rollup is written, and checks them.
   */
  static void backlog(
      ClickHouseEndpoint endpoint,
      Client client,
      List<byte[]> payloads,
      Path buffer,
      Measurements runs)
      throws Exception {
    String db = "bench_backlog";
    client.execute("DROP DATABASE IF EXISTS " + db).get().close();
    new Migrator(client, new SchemaOptions(db, "", Duration.ZERO)).up();
    int deadPort;
    try (ServerSocket s = new ServerSocket(0)) {
      deadPort = s.getLocalPort();
    }
    Client nowhere =
        new Client.Builder()
            .addEndpoint("http://127.0.0.1:" + deadPort)
            .setUsername("default")
            .setPassword("")
            .build();
    ClickHouseSink first =
        ClickHouseSink.builder()
            .client(nowhere, true)
            .database(db)
            .bufferDir(buffer)
            .batchSize(5_000)
            .closeTimeout(Duration.ofMillis(100))
            .build();
    PricingPipeline pipeline = pipeline(first);
    int requests = 0;
    for (byte[] p : payloads) {
      if (first.metrics().rowsAccepted() >= BACKLOG_SPAN_ROWS) {
        break;
      }
      pipeline.consume(ExportTraceServiceRequest.parseFrom(p), null);
      requests++;
    }
    long rows = first.metrics().rowsAccepted();
    first.close(); // cannot flush: the backlog stays in the buffer, as after a crash or an outage
    long start = System.nanoTime();
    ClickHouseSink restarted = sink(endpoint, db, buffer);
    boolean drained = restarted.flush(Duration.ofMinutes(5));
    double seconds = (System.nanoTime() - start) / 1e9;
    restarted.close();
    long stored = client.queryAll("SELECT count() AS n FROM " + db + ".spans").get(0).getLong("n");
    RollupVerifier.Report report =
        new RollupVerifier(client, new SchemaOptions(db, "", Duration.ZERO))
            .verify(Duration.ofDays(3650));
    if (!drained || stored != rows || !report.clean()) {
      throw new IllegalStateException(
          "backlog: drained "
              + drained
              + ", "
              + stored
              + " of "
              + rows
              + " rows stored, "
              + report.differences().size()
              + " rollup differences");
    }
    runs.add("backlog_span_rows", (double) rows);
    runs.add("backlog_payload_spans", (double) requests * Workload.SPANS_PER_REQUEST);
    runs.add("backlog_visible_after_restart_seconds", seconds);
    System.out.printf(
        Locale.ROOT,
        "backlog of %d span rows (%d payload spans) after a restart: all visible,"
            + " rollups checked, in %.2f s%n",
        rows,
        requests * Workload.SPANS_PER_REQUEST,
        seconds);
  }
}
