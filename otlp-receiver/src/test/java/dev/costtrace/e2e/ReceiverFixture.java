package dev.costtrace.e2e;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import dev.costtrace.pricing.SpanPricer;
import dev.costtrace.receiver.attribution.AttributionKeys;
import dev.costtrace.receiver.attribution.TraceAttributor;
import dev.costtrace.receiver.ingest.OtlpReceiver;
import dev.costtrace.receiver.metrics.SinkMetricsSource;
import dev.costtrace.receiver.pipeline.PricingPipeline;
import dev.costtrace.sink.ClickHouseSink;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.engine.TestClickHouse;
import dev.costtrace.sink.schema.Migrator;
import dev.costtrace.sink.schema.SchemaOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The receiver as {@code costtrace serve} wires it — real pricer, attribution and ClickHouse sink
 * on a fresh database of the test engine — on loopback ports.
 */
final class ReceiverFixture implements AutoCloseable {
  final ClickHouseEndpoint endpoint = TestClickHouse.shared();
  final String db = TestClickHouse.newDatabase("e2e");
  final ClickHouseSink sink;
  final PricingPipeline pipeline;
  final OtlpReceiver receiver;

  ReceiverFixture(Path bufferDir, UnaryOperator<OtlpReceiver.Builder> options) {
    try (Client c = endpoint.newClient("default")) {
      new Migrator(c, new SchemaOptions(db, "", Duration.ZERO)).up();
    }
    sink = ClickHouseSink.builder().client(endpoint.newClient("default"), true).database(db)
        .bufferDir(bufferDir).maxBatchDelay(Duration.ofMillis(50)).build();
    pipeline = new PricingPipeline(SpanPricer.builder().build(), sink, AttributionKeys.defaults(),
        new TraceAttributor(Duration.ofSeconds(30), 1000));
    receiver = options.apply(OtlpReceiver.builder().host("127.0.0.1").grpcPort(0).httpPort(0)
        .consumer(pipeline).metrics(pipeline).metrics(new SinkMetricsSource(sink::metrics))).start();
  }

  String httpUrl() {
    return "http://127.0.0.1:" + receiver.httpPort();
  }

  String grpcUrl() {
    return "http://127.0.0.1:" + receiver.grpcPort();
  }

  List<GenericRecord> query(String sql) {
    sink.flush();
    try (Client c = endpoint.newClient("default")) {
      return c.queryAll(sql.replace("{db}", db));
    }
  }

  @Override
  public void close() {
    receiver.close();
    sink.close();
  }
}
