package dev.costtrace.e2e;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import dev.costtrace.pricing.SpanPricer;
import dev.costtrace.receiver.attribution.AttributionKeys;
import dev.costtrace.receiver.attribution.TraceAttributor;
import dev.costtrace.receiver.ingest.OtlpReceiver;
import dev.costtrace.receiver.metrics.SinkMetricsSource;
import dev.costtrace.receiver.pipeline.AcceptedSpans;
import dev.costtrace.receiver.pipeline.PricingPipeline;
import dev.costtrace.sink.ClickHouseSink;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.testing.TestClickHouse;
import dev.costtrace.sink.schema.Migrator;
import dev.costtrace.sink.schema.SchemaOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The receiver as {@code costtrace serve} wires it — real pricer, attribution and ClickHouse sink
 * on a fresh database of the test engine — on loopback ports. Tests query what was stored.
 */
public final class ReceiverFixture implements AutoCloseable {
  public final ClickHouseEndpoint endpoint = TestClickHouse.shared();
  public final String db = TestClickHouse.newDatabase("e2e");
  public final ClickHouseSink sink;
  public final PricingPipeline pipeline;
  public final OtlpReceiver receiver;

  public ReceiverFixture(Path bufferDir, UnaryOperator<OtlpReceiver.Builder> options) {
    this(bufferDir, options, sink -> sink, null);
  }

  /**
   * @param sinkOptions adjusts the sink builder (a tiny buffer and the like)
   * @param sinkClient the sink's ClickHouse client, or null for the shared engine's
   */
  public ReceiverFixture(Path bufferDir, UnaryOperator<OtlpReceiver.Builder> options,
      UnaryOperator<ClickHouseSink.Builder> sinkOptions, Client sinkClient) {
    this(bufferDir, options, sinkOptions, sinkClient, null);
  }

  /** @param accepted told about every span the sink took (budgets), or null */
  public ReceiverFixture(Path bufferDir, UnaryOperator<OtlpReceiver.Builder> options,
      UnaryOperator<ClickHouseSink.Builder> sinkOptions, Client sinkClient, AcceptedSpans accepted) {
    try (Client c = endpoint.newClient("default")) {
      new Migrator(c, new SchemaOptions(db, "", Duration.ZERO)).up();
    }
    sink = sinkOptions.apply(ClickHouseSink.builder()
        .client(sinkClient != null ? sinkClient : endpoint.newClient("default"), true).database(db)
        .bufferDir(bufferDir).maxBatchDelay(Duration.ofMillis(50))).build();
    pipeline = new PricingPipeline(SpanPricer.builder().build(), sink, AttributionKeys.defaults(),
        new TraceAttributor(Duration.ofSeconds(30), 10_000), accepted);
    receiver = options.apply(OtlpReceiver.builder().host("127.0.0.1").grpcPort(0).httpPort(0)
        .consumer(pipeline).metrics(pipeline).metrics(new SinkMetricsSource(sink::metrics))).start();
  }

  /** The OTLP/HTTP base URL ({@code /v1/traces} is below it). */
  public String httpUrl() {
    return "http://127.0.0.1:" + receiver.httpPort();
  }

  public String grpcUrl() {
    return "http://127.0.0.1:" + receiver.grpcPort();
  }

  /** Rows of a query after a flush; {@code {db}} stands for the fixture's database. */
  public List<GenericRecord> query(String sql) {
    sink.flush();
    try (Client c = endpoint.newClient("default")) {
      return c.queryAll(sql.replace("{db}", db));
    }
  }

  /** Span rows stored for a trace, after a flush; no FINAL, so a duplicate would count. */
  public long spans(String traceIdHex) {
    return query("SELECT count() AS n FROM {db}.spans WHERE trace_id = '" + traceIdHex + "'").get(0).getLong("n");
  }

  @Override
  public void close() {
    receiver.close();
    sink.close();
  }
}
