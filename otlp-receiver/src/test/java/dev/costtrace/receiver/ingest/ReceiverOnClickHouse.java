package dev.costtrace.receiver.ingest;

import com.clickhouse.client.api.Client;
import dev.costtrace.pricing.SpanPricer;
import dev.costtrace.receiver.attribution.AttributionKeys;
import dev.costtrace.receiver.attribution.TraceAttributor;
import dev.costtrace.receiver.pipeline.PricingPipeline;
import dev.costtrace.sink.ClickHouseSink;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.engine.TestClickHouse;
import dev.costtrace.sink.schema.Migrator;
import dev.costtrace.sink.schema.SchemaOptions;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.UnaryOperator;

/**
 * The whole receiver on the real (embedded) ClickHouse, in a database of its own: receiver →
 * pricing pipeline → ClickHouseSink. Tests query what was stored.
 */
final class ReceiverOnClickHouse implements AutoCloseable {
  final ClickHouseEndpoint endpoint = TestClickHouse.shared();
  final String db;
  final ClickHouseSink sink;
  final PricingPipeline pipeline;
  final OtlpReceiver receiver;

  ReceiverOnClickHouse(Path bufferDir, long maxRequestBytes) {
    this(bufferDir, maxRequestBytes, sink -> sink, null);
  }

  /**
   * @param sinkOptions adjusts the sink builder (tiny buffer and the like)
   * @param client the sink's ClickHouse client, or null for the shared engine's
   */
  ReceiverOnClickHouse(Path bufferDir, long maxRequestBytes, UnaryOperator<ClickHouseSink.Builder> sinkOptions,
      Client client) {
    db = TestClickHouse.newDatabase("ingest");
    try (Client c = endpoint.newClient("default")) {
      new Migrator(c, new SchemaOptions(db, "", Duration.ZERO)).up();
    }
    sink = sinkOptions.apply(ClickHouseSink.builder()
        .client(client != null ? client : endpoint.newClient("default"), true).database(db)
        .bufferDir(bufferDir).maxBatchDelay(Duration.ofMillis(50))).build();
    pipeline = new PricingPipeline(SpanPricer.builder().build(), sink, AttributionKeys.defaults(),
        new TraceAttributor(Duration.ofSeconds(30), 10_000));
    receiver = OtlpReceiver.builder().host("127.0.0.1").grpcPort(0).httpPort(0)
        .maxRequestBytes(maxRequestBytes).consumer(pipeline).start();
  }

  String httpUrl() {
    return "http://127.0.0.1:" + receiver.httpPort() + "/v1/traces";
  }

  /** Span rows stored for a trace, after a flush; no FINAL, so a duplicate would count. */
  long spans(String traceIdHex) {
    sink.flush();
    return scalar("SELECT count() FROM " + db + ".spans WHERE trace_id = '" + traceIdHex + "'").longValue();
  }

  BigDecimal scalar(String sql) {
    try (Client c = endpoint.newClient("default")) {
      var rows = c.queryAll(sql);
      return rows.isEmpty() ? null : rows.get(0).getBigDecimal(1);
    }
  }

  @Override
  public void close() {
    receiver.shutdown(Duration.ZERO);
    sink.close();
  }
}
