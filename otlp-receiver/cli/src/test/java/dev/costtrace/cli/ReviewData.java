package dev.costtrace.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.Client;
import dev.costtrace.cli.demo.DemoWorkload;
import dev.costtrace.receiver.attribution.TraceAttributor;
import dev.costtrace.receiver.ingest.OtlpReceiver;
import dev.costtrace.receiver.pipeline.PricingPipeline;
import dev.costtrace.sink.ClickHouseSink;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.schema.Migrator;
import dev.costtrace.sink.schema.SchemaOptions;
import dev.costtrace.testing.TestClickHouse;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.TimeUnit;

/**
 * Two weeks of data for the review, sent as OTLP through the real receiver pipeline into a fresh
 * database: the demo workload this week (40 conversations) and the week before (30, another seed),
 * plus this week a call to a model no catalog knows and an expensive one in a conversation whose ID
 * is markup. {@link #until} ends the reviewed week at the first 05:00 UTC at least two hours from
 * now, so every span of this week is inside it, every span of the week before in that one, and the
 * week before's spans (from 9 to about 2 hours before the period starts) always straddle a
 * midnight: the day the period starts in then holds spend of both periods, at any hour the test
 * runs.
 */
final class ReviewData {
  static final String UNKNOWN_MODEL = "acme-llm-9000";

  /** A conversation ID full of markup ($0.35 of gpt-4o): the HTML must show it as text. */
  static final String MARKUP_CONVERSATION = "conv-<b>bold</b>&\"q\"";

  final ClickHouseEndpoint endpoint = TestClickHouse.shared();
  final String db = TestClickHouse.newDatabase("review");
  final Instant until = periodEnd(Instant.now());

  static Instant periodEnd(Instant now) {
    Instant at =
        now.plus(2, ChronoUnit.HOURS).truncatedTo(ChronoUnit.DAYS).plus(5, ChronoUnit.HOURS);
    return at.isBefore(now.plus(2, ChronoUnit.HOURS)) ? at.plus(1, ChronoUnit.DAYS) : at;
  }

  ReviewData() throws Exception {
    try (Client c = endpoint.newClient("default")) {
      new Migrator(c, new SchemaOptions(db, "", Duration.ZERO)).up();
    }
    ClickHouseSink sink =
        ClickHouseSink.builder()
            .client(endpoint.newClient("default"), true)
            .database(db)
            .bufferDir(Files.createTempDirectory("costtrace-review-buffer"))
            .maxBatchDelay(Duration.ofMillis(50))
            .build();
    PricingPipeline pipeline =
        PricingPipeline.builder(sink)
            .attributor(new TraceAttributor(Duration.ofSeconds(30), 100_000))
            .build();
    try (OtlpReceiver receiver =
        OtlpReceiver.builder()
            .host("127.0.0.1")
            .grpcPort(0)
            .httpPort(0)
            .consumer(pipeline)
            .start()) {
      String url = "http://127.0.0.1:" + receiver.httpPort();
      DemoWorkload.Summary now =
          DemoWorkload.send(
              DemoWorkload.Target.of(url), 40, 7, Instant.now().minus(6, ChronoUnit.HOURS));
      DemoWorkload.Summary before =
          DemoWorkload.send(
              DemoWorkload.Target.of(url),
              30,
              11,
              until.minus(7, ChronoUnit.DAYS).minus(9, ChronoUnit.HOURS));
      call(url, "conv-unpriced", "acme", UNKNOWN_MODEL, 1000, 100);
      call(url, MARKUP_CONVERSATION, "globex", "gpt-4o", 100_000, 10_000);
      // A call the agent's budget blocked (never sent, no usage): not an unpriced call.
      call(url, "conv-unpriced", "acme", "gpt-4o", -1, -1);
      // Every export above was acknowledged before its call returned.
      assertThat(pipeline.spansReceived()).isEqualTo(now.spans() + before.spans() + 6);
      assertThat(sink.flush(Duration.ofMinutes(1))).isTrue();
    } finally {
      sink.close();
    }
    // The budget events of this week: two blocks in one conversation, a warning in another.
    try (Client c = endpoint.newClient("default")) {
      for (String[] e :
          new String[][] {
            {"conv-unpriced", "conversation_cap_usd", "block"},
            {"conv-unpriced", "conversation_cap_usd", "block"},
            {"conv-x", "conversation_warn_usd", "warn"}
          }) {
        c.execute(
                "INSERT INTO "
                    + db
                    + ".budget_events (event_time, conversation_id, tenant_id, limit_name,"
                    + " action, source) VALUES (now64(9) - INTERVAL 1 HOUR, '"
                    + e[0]
                    + "', 'acme', '"
                    + e[1]
                    + "', '"
                    + e[2]
                    + "', 'agent')")
            .get()
            .close();
      }
    }
  }

  /** The system properties {@code costtrace review} reads its ClickHouse and database from. */
  void useForCli() {
    System.setProperty("costtrace.clickhouse.url", endpoint.httpUrl());
    System.setProperty("costtrace.clickhouse.user", endpoint.user());
    System.setProperty(
        "costtrace.clickhouse.password", endpoint.password()); // the embedded engine's secret
    System.setProperty("costtrace.clickhouse.database", db);
  }

  static void clearCli() {
    System.clearProperty("costtrace.clickhouse.url");
    System.clearProperty("costtrace.clickhouse.user");
    System.clearProperty("costtrace.clickhouse.password");
    System.clearProperty("costtrace.clickhouse.database");
  }

  /** One turn of one LLM call in a conversation of its own; negative tokens: a blocked call. */
  private static void call(
      String url, String conversation, String tenant, String model, long input, long output) {
    OtlpHttpSpanExporter exporter =
        OtlpHttpSpanExporter.builder().setEndpoint(url + "/v1/traces").build();
    try (SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .addSpanProcessor(SimpleSpanProcessor.create(exporter))
            .build()) {
      Tracer tracer = provider.get("review-test");
      Span root = tracer.spanBuilder("summarize").startSpan();
      root.setAttribute("gen_ai.conversation.id", conversation);
      root.setAttribute("tenant.id", tenant);
      try (Scope ignored = root.makeCurrent()) {
        Span llm = tracer.spanBuilder("chat " + model).startSpan();
        llm.setAttribute("gen_ai.operation.name", "chat");
        llm.setAttribute("gen_ai.provider.name", model.startsWith("gpt") ? "openai" : "acme");
        llm.setAttribute("gen_ai.request.model", model);
        if (input < 0) {
          llm.setAttribute(
              "error.type", "dev.costtrace.budget.api.ConversationBudgetExceededException");
        } else {
          llm.setAttribute(AttributeKey.longKey("gen_ai.usage.input_tokens"), input);
          llm.setAttribute(AttributeKey.longKey("gen_ai.usage.output_tokens"), output);
        }
        llm.end();
      }
      root.end();
      provider.forceFlush().join(10, TimeUnit.SECONDS);
    }
  }
}
