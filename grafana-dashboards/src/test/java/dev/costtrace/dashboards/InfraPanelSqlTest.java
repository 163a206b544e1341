package dev.costtrace.dashboards;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import com.fasterxml.jackson.databind.JsonNode;
import dev.costtrace.dashboards.GrafanaSql.TimeRange;
import dev.costtrace.dashboards.GrafanaSql.Variable;
import dev.costtrace.receiver.attribution.TraceAttributor;
import dev.costtrace.receiver.ingest.OtlpReceiver;
import dev.costtrace.receiver.pipeline.PricingPipeline;
import dev.costtrace.sink.ClickHouseSink;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.infra.InfraAllocator;
import dev.costtrace.sink.infra.InfraRules;
import dev.costtrace.sink.schema.Migrator;
import dev.costtrace.sink.schema.SchemaOptions;
import dev.costtrace.testing.TestClickHouse;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The panels that split a conversation's cost into LLM, tool and infrastructure, over spans sent
 * through the real receiver pipeline and allocated by the real allocator: rule {@code gpu} (service
 * gpu-svc, $4 an hour per second of use) over one closed hour in which conv-i used 10 + 30 s and
 * conv-j 60 s: $1.60 and $2.40.
 */
class InfraPanelSqlTest {
  static final Instant HOUR =
      Instant.now().truncatedTo(ChronoUnit.HOURS).minus(2, ChronoUnit.HOURS);
  static final TimeRange RANGE =
      new TimeRange(
          Instant.now().minus(Duration.ofDays(1)),
          Instant.now().plus(Duration.ofHours(1)),
          Duration.ofMinutes(10));

  static String db;
  static Client client;
  static List<Dashboard> dashboards;

  @BeforeAll
  static void seed() throws Exception {
    dashboards = Dashboard.loadAll(PanelSqlTest.DASHBOARDS);
    ClickHouseEndpoint endpoint = TestClickHouse.shared();
    db = TestClickHouse.newDatabase("dashboards_infra");
    client = endpoint.newClient("default");
    SchemaOptions schema = new SchemaOptions(db, "", Duration.ZERO);
    new Migrator(client, schema).up();
    try (ClickHouseSink sink =
        ClickHouseSink.builder()
            .client(endpoint.newClient("default"), true)
            .database(db)
            .bufferDir(Files.createTempDirectory("costtrace-dashboards-infra"))
            .maxBatchDelay(Duration.ofMillis(20))
            .build()) {
      PricingPipeline pipeline =
          PricingPipeline.builder(sink)
              .attributor(new TraceAttributor(Duration.ofSeconds(30), 1000))
              .build();
      try (OtlpReceiver receiver =
          OtlpReceiver.builder()
              .host("127.0.0.1")
              .grpcPort(0)
              .httpPort(0)
              .consumer(pipeline)
              .start()) {
        send("http://127.0.0.1:" + receiver.httpPort());
        await().atMost(1, TimeUnit.MINUTES).until(() -> pipeline.spansReceived() == 6);
        assertThat(sink.flush(Duration.ofMinutes(1))).isTrue();
      }
    }
    InfraRules rules =
        InfraRules.parse(
            "rules:\n  - {name: gpu, match: {service: gpu-svc}, hourly_usd: 4,"
                + " allocate: per_second}\n");
    try (InfraAllocator allocator =
        InfraAllocator.builder(schema)
            .client(client, false)
            .rules(() -> rules)
            .grace(Duration.ZERO)
            .window(Duration.ofHours(6))
            .build()) {
      assertThat(allocator.runOnce().traces()).isEqualTo(3);
    }
  }

  /** conv-i: two turns (10 s and 30 s), conv-j: one (60 s); gpt-4o-mini, 1,000 / 100 tokens. */
  static void send(String url) {
    InMemorySpanExporter memory = InMemorySpanExporter.create();
    List<SpanData> done;
    try (SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .setResource(Resource.getDefault().toBuilder().put("service.name", "gpu-svc").build())
            .addSpanProcessor(SimpleSpanProcessor.create(memory))
            .build()) {
      Tracer t = provider.get("dashboards-infra-test");
      turn(t, "conv-i", HOUR.plusSeconds(60), 10);
      turn(t, "conv-i", HOUR.plusSeconds(120), 30);
      turn(t, "conv-j", HOUR.plusSeconds(600), 60);
      done = memory.getFinishedSpanItems(); // closing the provider clears the exporter
    }
    assertThat(done).hasSize(6);
    try (OtlpHttpSpanExporter exporter =
        OtlpHttpSpanExporter.builder().setEndpoint(url + "/v1/traces").build()) {
      assertThat(exporter.export(done).join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    }
  }

  static void turn(Tracer t, String conversation, Instant start, int seconds) {
    Span root = t.spanBuilder("POST /chat").setStartTimestamp(start).startSpan();
    root.setAttribute("gen_ai.conversation.id", conversation);
    Span llm =
        t.spanBuilder("chat gpt-4o-mini")
            .setParent(Context.root().with(root))
            .setStartTimestamp(start)
            .startSpan();
    llm.setAttribute("gen_ai.operation.name", "chat");
    llm.setAttribute("gen_ai.provider.name", "openai");
    llm.setAttribute("gen_ai.request.model", "gpt-4o-mini");
    llm.setAttribute(AttributeKey.longKey("gen_ai.usage.input_tokens"), 1000L);
    llm.setAttribute(AttributeKey.longKey("gen_ai.usage.output_tokens"), 100L);
    llm.end(start.plusSeconds(seconds));
    root.end(start.plusSeconds(seconds));
  }

  @AfterAll
  static void close() {
    if (client != null) {
      client.close();
    }
  }

  static List<GenericRecord> panel(String uid, String title, String conversation) {
    Dashboard d = dashboards.stream().filter(x -> x.uid().equals(uid)).findFirst().orElseThrow();
    Map<String, Variable> vars = new HashMap<>();
    for (JsonNode v : d.variables()) {
      String name = v.path("name").asText();
      vars.put(
          name,
          switch (name) {
            case "db" -> Variable.of(name, db);
            case "conversation" -> Variable.of(name, conversation);
            case "threshold" -> Variable.of(name, "1");
            default -> Variable.all(name, v.path("allValue").asText(null), List.of());
          });
    }
    JsonNode p =
        d.panels().stream()
            .filter(x -> x.path("title").asText().equals(title))
            .findFirst()
            .orElseThrow();
    return client.queryAll(
        GrafanaSql.render(p.path("targets").get(0).path("rawSql").asText(), vars, RANGE));
  }

  static void splitAddsUp(GenericRecord r, String infra) {
    assertThat(r.getBigDecimal("llm_usd"))
        .isEqualByComparingTo(
            new BigDecimal("0.00021").multiply(BigDecimal.valueOf(r.getLong("llm_calls"))));
    assertThat(r.getBigDecimal("tool_usd")).isZero();
    assertThat(r.getBigDecimal("infra_usd")).isEqualByComparingTo(infra);
    assertThat(r.getBigDecimal("total_usd"))
        .isEqualByComparingTo(
            r.getBigDecimal("llm_usd")
                .add(r.getBigDecimal("tool_usd"))
                .add(r.getBigDecimal("infra_usd")));
  }

  @Test
  void theMostExpensiveConversationsShowTheirInfrastructure() {
    List<GenericRecord> rows = panel("costtrace-conversations", "Most expensive conversations", "");
    assertThat(rows)
        .extracting(r -> r.getString("conversation_id"))
        .containsExactly("conv-j", "conv-i");
    splitAddsUp(rows.get(0), "2.4");
    splitAddsUp(rows.get(1), "1.6");
    assertThat(rows.get(0).getString("models")).startsWith("infra:gpu, gpt-4o-mini");
  }

  @Test
  void theConversationDetailShowsItsInfrastructure() {
    List<GenericRecord> rows = panel("costtrace-conversation", "Conversation", "conv-i");
    assertThat(rows).hasSize(1);
    assertThat(rows.get(0).getLong("turns")).isEqualTo(2);
    splitAddsUp(rows.get(0), "1.6");
  }

  @Test
  void spendPanelsIncludeInfrastructure() {
    // The weekly review's spend (the rollups) holds the hour's whole $4 beside 3 calls.
    BigDecimal spend =
        panel("costtrace-weekly-review", "Spend, this period and the one before", "")
            .get(0)
            .getBigDecimal("total_usd");
    assertThat(spend).isEqualByComparingTo(new BigDecimal("4.00063"));
  }
}
