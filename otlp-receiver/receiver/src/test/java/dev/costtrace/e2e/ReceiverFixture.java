package dev.costtrace.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import dev.costtrace.receiver.attribution.TraceAttributor;
import dev.costtrace.receiver.budget.ReceiverBudgets;
import dev.costtrace.receiver.ingest.OtlpReceiver;
import dev.costtrace.receiver.metrics.SinkMetricsSource;
import dev.costtrace.receiver.metrics.SpendMetrics;
import dev.costtrace.receiver.pipeline.PricingPipeline;
import dev.costtrace.sink.ClickHouseSink;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.report.ConversationCosts;
import dev.costtrace.sink.schema.Migrator;
import dev.costtrace.sink.schema.SchemaOptions;
import dev.costtrace.testing.TestClickHouse;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * The receiver as {@code costtrace serve} wires it — real pricer, attribution, ClickHouse sink and
 * cost API on a fresh database of the test engine — on loopback ports. Tests query what was stored.
 */
public final class ReceiverFixture implements AutoCloseable {
  public final ClickHouseEndpoint endpoint = TestClickHouse.shared();
  public final String db = TestClickHouse.newDatabase("e2e");
  public final ClickHouseSink sink;
  public final PricingPipeline pipeline;
  public final OtlpReceiver receiver;
  private final Client apiClient;

  public ReceiverFixture(Path bufferDir, UnaryOperator<OtlpReceiver.Builder> options) {
    this(bufferDir, options, sink -> sink, null);
  }

  /**
   * @param sinkOptions adjusts the sink builder (a tiny buffer and the like)
   * @param sinkClient the sink's ClickHouse client, or null for the shared engine's
   */
  public ReceiverFixture(
      Path bufferDir,
      UnaryOperator<OtlpReceiver.Builder> options,
      UnaryOperator<ClickHouseSink.Builder> sinkOptions,
      Client sinkClient) {
    this(bufferDir, options, sinkOptions, sinkClient, SpendMetrics.builder().build(), () -> null);
  }

  /**
   * @param spend the pipeline's spend counters (a hand-moved clock, a small label cap)
   */
  public ReceiverFixture(
      Path bufferDir,
      UnaryOperator<OtlpReceiver.Builder> options,
      UnaryOperator<ClickHouseSink.Builder> sinkOptions,
      Client sinkClient,
      SpendMetrics spend) {
    this(bufferDir, options, sinkOptions, sinkClient, spend, () -> null);
  }

  /**
   * With budgets: {@code budgets} (asked on each use, so that it can be made on this fixture's
   * database once it exists) is told about every span the sink took, answers in the cost API's
   * conversation endpoint and adds its samples to {@code /metrics}.
   */
  public ReceiverFixture(
      Path bufferDir,
      UnaryOperator<OtlpReceiver.Builder> options,
      Supplier<ReceiverBudgets> budgets) {
    this(bufferDir, options, sink -> sink, null, SpendMetrics.builder().build(), budgets);
  }

  private ReceiverFixture(
      Path bufferDir,
      UnaryOperator<OtlpReceiver.Builder> options,
      UnaryOperator<ClickHouseSink.Builder> sinkOptions,
      Client sinkClient,
      SpendMetrics spend,
      Supplier<ReceiverBudgets> budgets) {
    try (Client c = endpoint.newClient("default")) {
      new Migrator(c, new SchemaOptions(db, "", Duration.ZERO)).up();
    }
    sink =
        sinkOptions
            .apply(
                ClickHouseSink.builder()
                    .client(sinkClient != null ? sinkClient : endpoint.newClient("default"), true)
                    .database(db)
                    .bufferDir(bufferDir)
                    .maxBatchDelay(Duration.ofMillis(50)))
            .build();
    pipeline =
        PricingPipeline.builder(sink)
            .attributor(new TraceAttributor(Duration.ofSeconds(30), 10_000))
            .spend(spend)
            .acceptedSpans(
                (rows, spans, attributions) -> {
                  ReceiverBudgets b = budgets.get();
                  if (b != null) {
                    b.accepted(rows, spans, attributions);
                  }
                })
            .build();
    apiClient = endpoint.newClient("default");
    receiver =
        options
            .apply(
                OtlpReceiver.builder()
                    .host("127.0.0.1")
                    .grpcPort(0)
                    .httpPort(0)
                    .consumer(pipeline)
                    .metrics(pipeline)
                    .metrics(new SinkMetricsSource(sink::metrics))
                    .metrics(
                        out -> {
                          ReceiverBudgets b = budgets.get();
                          if (b != null) {
                            b.writeTo(out);
                          }
                        })
                    .costApi(new ConversationCosts(apiClient, db), budgets))
            .start();
  }

  /** The OTLP/HTTP base URL ({@code /v1/traces} is below it). */
  public String httpUrl() {
    return "http://127.0.0.1:" + receiver.httpPort();
  }

  public String grpcUrl() {
    return "http://127.0.0.1:" + receiver.grpcPort();
  }

  /** Samples by name with labels, e.g. {@code costtrace_spans_llm_total{status="PRICED"}}. */
  public Map<String, Double> scrape() throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(httpUrl() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("Content-Type"))
        .hasValue("text/plain; version=0.0.4; charset=utf-8");
    Map<String, Double> samples = new HashMap<>();
    for (String line : r.body().split("\n")) {
      if (line.startsWith("#") || line.isBlank()) {
        assertThat(line).matches("# (HELP|TYPE) costtrace_\\w+ .+");
        continue;
      }
      int space = line.lastIndexOf(' ');
      assertThat(
              samples.put(line.substring(0, space), Double.parseDouble(line.substring(space + 1))))
          .as("one sample per series: %s", line)
          .isNull();
    }
    return samples;
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
    return query("SELECT count() AS n FROM {db}.spans WHERE trace_id = '" + traceIdHex + "'")
        .get(0)
        .getLong("n");
  }

  @Override
  public void close() {
    receiver.close();
    sink.close();
    apiClient.close();
  }
}
