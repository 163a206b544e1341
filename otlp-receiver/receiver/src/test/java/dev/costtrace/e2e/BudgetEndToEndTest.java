package dev.costtrace.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import dev.costtrace.budget.BudgetRulesSource;
import dev.costtrace.budget.BudgetSettings;
import dev.costtrace.receiver.api.OpenApiContract;
import dev.costtrace.receiver.budget.BudgetEvent;
import dev.costtrace.receiver.budget.BudgetEventStore;
import dev.costtrace.receiver.budget.BudgetWebhook;
import dev.costtrace.receiver.budget.ReceiverBudgets;
import dev.costtrace.sink.SpanColumns;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Budgets on the receiver, with real OTLP exporters and the real ClickHouse engine: an app without
 * the agent passes its conversation's warning and cap (the receiver observes, cannot block); the
 * events are stored and counted; the signed webhook fires once per conversation and limit, retried
 * after a failure, and not again from a restarted receiver; the conversation API answers with the
 * spend (decimal strings) and budget state, 404 as problem+json for an unknown conversation.
 */
class BudgetEndToEndTest {
  static final String SECRET = "whsec-test-4b1d";
  static final ObjectMapper JSON = new ObjectMapper();
  static final OpenApiContract CONTRACT = new OpenApiContract();

  @TempDir Path dir;
  ReceiverFixture fixture;
  Client client;
  BudgetEventStore store;
  BudgetWebhook webhook;
  ReceiverBudgets budgets;
  HttpServer hook;
  final List<byte[]> bodies = new CopyOnWriteArrayList<>();
  final List<String> signatures = new CopyOnWriteArrayList<>();
  final AtomicInteger attempts = new AtomicInteger();
  final CountDownLatch delivered = new CountDownLatch(2);

  @BeforeEach
  void start() throws IOException {
    hook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    hook.createContext(
        "/hook",
        e -> {
          byte[] body = e.getRequestBody().readAllBytes();
          // The first attempt fails: the webhook must retry.
          int status = attempts.getAndIncrement() == 0 ? 503 : 204;
          if (status == 204) {
            bodies.add(body);
            signatures.add(e.getRequestHeaders().getFirst(BudgetWebhook.SIGNATURE_HEADER));
            delivered.countDown();
          }
          e.sendResponseHeaders(status, -1);
          e.close();
        });
    hook.start();
    BudgetSettings settings =
        BudgetSettings.from(
            Map.of(
                    "costtrace.budget.conversation.warn.usd", "0.01",
                    "costtrace.budget.conversation.cap.usd", "0.05")
                ::get);
    // The fixture's database exists once the fixture does: its pipeline, cost API and metrics
    // reach the budgets (made next, on that database) through this reference.
    AtomicReference<ReceiverBudgets> budgetsRef = new AtomicReference<>();
    fixture = new ReceiverFixture(dir.resolve("buffer"), b -> b, budgetsRef::get);
    client = fixture.endpoint.newClient("default");
    String db = fixture.db;
    store = new BudgetEventStore(client, db);
    webhook =
        new BudgetWebhook(
            URI.create("http://127.0.0.1:" + hook.getAddress().getPort() + "/hook"),
            SECRET,
            store,
            4,
            Duration.ofMillis(20));
    budgets =
        new ReceiverBudgets(
            BudgetRulesSource.create(settings, w -> {}),
            List.<Consumer<BudgetEvent>>of(store, webhook),
            System::nanoTime);
    budgetsRef.set(budgets);
  }

  @AfterEach
  void stop() {
    fixture.close();
    webhook.close();
    store.close();
    client.close();
    hook.stop(0);
  }

  /** One gpt-4o call of the conversation: 12,000 input (8,000 cached), 900 output = 0.029 USD. */
  static List<SpanData> call(String conversation, Map<String, String> extra) {
    return call(conversation, extra, true);
  }

  /** A gpt-4o call's span, with the fixture's usage or (a call never sent) none. */
  static List<SpanData> call(String conversation, Map<String, String> extra, boolean usage) {
    InMemorySpanExporter memory = InMemorySpanExporter.create();
    SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .setResource(
                Resource.getDefault().toBuilder().put("service.name", "support-bot").build())
            .addSpanProcessor(SimpleSpanProcessor.create(memory))
            .build();
    Tracer tracer = provider.get("budget-e2e");
    Span llm = tracer.spanBuilder("chat gpt-4o").startSpan();
    llm.setAttribute("gen_ai.conversation.id", conversation);
    llm.setAttribute("gen_ai.provider.name", "openai");
    llm.setAttribute("gen_ai.operation.name", "chat");
    llm.setAttribute("gen_ai.request.model", "gpt-4o");
    if (usage) {
      llm.setAttribute(AttributeKey.longKey("gen_ai.usage.input_tokens"), 12000L);
      llm.setAttribute(AttributeKey.longKey("gen_ai.usage.cache_read.input_tokens"), 8000L);
      llm.setAttribute(AttributeKey.longKey("gen_ai.usage.output_tokens"), 900L);
    }
    extra.forEach(llm::setAttribute);
    llm.end();
    List<SpanData> spans = memory.getFinishedSpanItems();
    provider.close();
    return spans;
  }

  void export(List<SpanData> spans) {
    OtlpHttpSpanExporter exporter =
        OtlpHttpSpanExporter.builder().setEndpoint(fixture.httpUrl() + "/v1/traces").build();
    CompletableResultCode r = exporter.export(spans).join(10, TimeUnit.SECONDS);
    assertThat(r.isSuccess()).isTrue();
    exporter.shutdown();
  }

  HttpResponse<String> get(String path) throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(fixture.httpUrl() + path)).GET().build(),
            HttpResponse.BodyHandlers.ofString());
  }

  /** The cost API's conversation endpoint, its answer checked against the OpenAPI document. */
  JsonNode conversation(String id, int status) throws Exception {
    HttpResponse<String> r = get("/api/v1/conversations/" + id);
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    return CONTRACT.check("/api/v1/conversations/{id}", r);
  }

  @Test
  void observesThresholdsOnceStoresCountsAndSignsTheWebhook() throws Exception {
    export(call("conv-budget", Map.of()));
    export(call("conv-budget", Map.of())); // 0.058: past the warning (0.01) and the cap (0.05)
    export(call("conv-budget", Map.of())); // past both again: no new event
    assertThat(delivered.await(30, TimeUnit.SECONDS)).isTrue();

    // The budget state counts the tally, whether or not ClickHouse has the spans yet.
    JsonNode budget = conversation("conv-budget", 200).get("budget");
    assertThat(budget.get("spent_usd").isTextual()).isTrue();
    assertThat(budget.get("spent_usd").asText()).isEqualTo("0.087");
    assertThat(budget.get("llm_calls").asLong()).isEqualTo(3);
    assertThat(budget.get("state").asText()).isEqualTo("capped");
    assertThat(budget.get("action").asText()).isEqualTo("block");
    assertThat(budget.get("blocked").asBoolean()).isTrue();
    assertThat(budget.get("warn_usd").asText()).isEqualTo("0.01");
    assertThat(budget.get("cap_usd").asText()).isEqualTo("0.05");
    assertThat(budget.get("remaining_usd").asText()).isEqualTo("0");

    // Once written, the stored figures say the same.
    fixture.sink.flush();
    JsonNode stored = conversation("conv-budget", 200);
    assertThat(stored.get("total_usd").asText()).isEqualTo("0.087");
    assertThat(stored.get("turns").asLong()).isEqualTo(3);
    assertThat(stored.get("budget").get("spent_usd").asText()).isEqualTo("0.087");

    store.flush(10_000);
    List<GenericRecord> events =
        fixture.query(
            "SELECT limit_name, action, source, limit_value, reach FROM {db}.budget_events"
                + " WHERE conversation_id = 'conv-budget' ORDER BY event_time, limit_name");
    assertThat(events)
        .extracting(
            e ->
                e.getString("limit_name")
                    + " "
                    + e.getString("action")
                    + " "
                    + e.getString("source")
                    + " "
                    + e.getString("limit_value")
                    + " "
                    + e.getString("reach"))
        .containsExactly(
            "conversation_warn_usd observed receiver 0.01 0.029",
            "conversation_cap_usd observed receiver 0.05 0.058");

    // Two deliveries (warning, cap), each signed with HMAC-SHA256 of its body; one retry.
    assertThat(bodies).hasSize(2);
    for (int i = 0; i < 2; i++) {
      assertThat(signatures.get(i))
          .isEqualTo(
              "sha256="
                  + BudgetWebhook.sign(SECRET.getBytes(StandardCharsets.UTF_8), bodies.get(i)));
    }
    List<String> limits = new ArrayList<>();
    for (byte[] b : bodies) {
      JsonNode n = JSON.readTree(b);
      assertThat(n.get("conversation_id").asText()).isEqualTo("conv-budget");
      limits.add(n.get("limit").asText());
    }
    assertThat(limits).containsExactlyInAnyOrder("conversation_warn_usd", "conversation_cap_usd");
    assertThat(webhook.retried()).isEqualTo(1);

    String metrics = get("/metrics").body();
    assertThat(metrics)
        .contains(
            "costtrace_budget_events_total{limit=\"conversation_cap_usd\",action=\"observed\",source=\"receiver\"} 1");

    // A restarted receiver (new tally, new webhook, same ClickHouse) passes the cap of the same
    // conversation again: an event is stored, but the webhook is not sent twice.
    webhook.close();
    assertThat(webhook.awaitIdle(10_000)).isTrue(); // its deliveries are recorded
    CountDownLatch none = new CountDownLatch(1);
    BudgetWebhook restarted =
        new BudgetWebhook(
            URI.create("http://127.0.0.1:" + hook.getAddress().getPort() + "/hook"),
            SECRET,
            store,
            4,
            Duration.ofMillis(20));
    ReceiverBudgets again =
        new ReceiverBudgets(
            BudgetRulesSource.create(
                BudgetSettings.from(Map.of("costtrace.budget.conversation.cap.usd", "0.05")::get),
                w -> {}),
            List.<Consumer<BudgetEvent>>of(restarted, e -> none.countDown()),
            System::nanoTime);
    List<io.opentelemetry.proto.trace.v1.Span> protoSpans = new ArrayList<>();
    List<dev.costtrace.sink.SpanCostRow> rows = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      rows.add(
          dev.costtrace.sink.SpanCostRow.builder()
              .traceId("0af7651916cd43dd8448eb211c80319c")
              .spanId("b7ad6b716920333" + i)
              .set(SpanColumns.START_TIME, 1L)
              .set(SpanColumns.END_TIME, 2L)
              .set(SpanColumns.CONVERSATION_ID, "conv-budget")
              .set(SpanColumns.SERVICE_NAME, "support-bot")
              .set(SpanColumns.REQUEST_MODEL, "gpt-4o")
              .set(SpanColumns.TOTAL_COST, new java.math.BigDecimal("0.029"))
              .build());
      protoSpans.add(io.opentelemetry.proto.trace.v1.Span.getDefaultInstance());
    }
    again.accepted(rows, protoSpans, List.of());
    assertThat(none.await(10, TimeUnit.SECONDS)).isTrue();
    // The restarted webhook's decision was made (delivered() is checked first) without a send.
    restarted.close();
    assertThat(restarted.awaitIdle(10_000)).isTrue();
    assertThat(restarted.sent()).isZero();
    assertThat(bodies).hasSize(2);
  }

  @Test
  void spendAcknowledgedButNotYetStoredIsAnsweredFromTheTally() throws Exception {
    // Spend this receiver acknowledged that ClickHouse does not have (its rows never written).
    budgets.accepted(
        List.of(
            dev.costtrace.sink.SpanCostRow.builder()
                .traceId("1af7651916cd43dd8448eb211c80319c")
                .spanId("c7ad6b7169203331")
                .set(SpanColumns.START_TIME, 1L)
                .set(SpanColumns.END_TIME, 2L)
                .set(SpanColumns.CONVERSATION_ID, "conv-tally")
                .set(SpanColumns.SERVICE_NAME, "support-bot")
                .set(SpanColumns.REQUEST_MODEL, "gpt-4o")
                .set(SpanColumns.TOTAL_COST, new java.math.BigDecimal("0.02"))
                .build()),
        List.of(io.opentelemetry.proto.trace.v1.Span.getDefaultInstance()),
        List.of());
    JsonNode c = conversation("conv-tally", 200);
    assertThat(c.get("total_usd").asText()).isEqualTo("0");
    assertThat(c.get("turns").asLong()).isZero();
    assertThat(c.get("first_seen").isNull()).isTrue();
    assertThat(c.get("budget").get("spent_usd").asText()).isEqualTo("0.02");
    assertThat(c.get("budget").get("llm_calls").asLong()).isEqualTo(1);
    assertThat(c.get("budget").get("state").asText()).isEqualTo("warned");
    assertThat(c.get("budget").get("remaining_usd").asText()).isEqualTo("0.03");
    assertThat(c.get("budget").get("blocked").asBoolean()).isFalse();
    // The tally does not know tenants: naming one finds nothing it alone knows.
    conversation("conv-tally?tenant=acme", 404);
  }

  @Test
  void agentDecisionsAreStoredAndUnknownConversationsAreProblems() throws Exception {
    export(
        call(
            "conv-agent",
            Map.of(
                "costtrace.budget.action", "downgrade",
                "costtrace.budget.limit", "conversation_cap_usd",
                "costtrace.budget.limit_value", "0.02",
                "costtrace.budget.reach", "0.0301",
                "costtrace.budget.requested_model", "gpt-4o",
                "costtrace.budget.downgraded_to", "gpt-4o-mini")));
    // The next call of the conversation, blocked by the agent: never sent, so no usage.
    export(
        call(
            "conv-agent",
            Map.of(
                "costtrace.budget.action", "block",
                "costtrace.budget.limit", "conversation_cap_usd",
                "costtrace.budget.limit_value", "0.02",
                "costtrace.budget.reach", "0.0602",
                "error.type", "dev.costtrace.budget.api.ConversationBudgetExceededException"),
            false));
    fixture.sink.flush();
    store.flush(10_000);
    List<GenericRecord> events =
        fixture.query(
            "SELECT action, source, model, downgraded_to FROM {db}.budget_events"
                + " WHERE conversation_id = 'conv-agent' ORDER BY event_time");
    assertThat(events)
        .extracting(
            e ->
                e.getString("action")
                    + " "
                    + e.getString("source")
                    + " "
                    + e.getString("model")
                    + " "
                    + e.getString("downgraded_to"))
        .containsExactly("downgrade agent gpt-4o gpt-4o-mini", "block agent gpt-4o ");
    // The blocked call's row says so; it is not an unpriced call.
    List<GenericRecord> rows =
        fixture.query(
            "SELECT pricing_status, pricing_reason FROM {db}.spans"
                + " WHERE conversation_id = 'conv-agent' ORDER BY start_time");
    assertThat(rows)
        .extracting(row -> row.getString("pricing_status"))
        .containsExactly("PRICED", "BUDGET_BLOCKED");
    assertThat(rows.get(1).getString("pricing_reason"))
        .isEqualTo("not sent: blocked by the conversation's budget");
    // Nor in the rollups: one LLM call (the downgraded one), nothing unpriced.
    GenericRecord rollup =
        fixture
            .query(
                "SELECT turns, llm_calls, unpriced_calls FROM {db}.conversation_costs"
                    + " WHERE conversation_id = 'conv-agent'")
            .get(0);
    assertThat(rollup.getLong("turns")).isEqualTo(2);
    assertThat(rollup.getLong("llm_calls")).isEqualTo(1);
    assertThat(rollup.getLong("unpriced_calls")).isZero();
    // On /metrics too: a blocked call, not an unpriced one.
    assertThat(get("/metrics").body())
        .contains("costtrace_spans_budget_blocked_total 1")
        .contains("costtrace_spans_unpriced_total 0");
    JsonNode conversation = conversation("conv-agent", 200);
    assertThat(conversation.get("llm_calls").asLong()).isEqualTo(1);
    assertThat(conversation.get("unpriced_calls").asLong()).isZero();
    assertThat(conversation.get("budget").get("llm_calls").asLong()).isEqualTo(1);
    // Its models and calls (llm_calls) leave the blocked call out too.
    assertThat(conversation.get("models")).hasSize(1);
    assertThat(conversation.get("models").get(0).get("calls").asLong()).isEqualTo(1);
    JsonNode calls =
        CONTRACT.check(
            "/api/v1/conversations/{id}", get("/api/v1/conversations/conv-agent?calls=true"));
    assertThat(calls.get("calls"))
        .extracting(c -> c.get("pricing_status").asText())
        .containsExactly("PRICED");

    JsonNode p = conversation("nobody%27s", 404);
    assertThat(p.get("status").asInt()).isEqualTo(404);
    assertThat(p.get("detail").asText()).isEqualTo("no conversation 'nobody's'");
  }
}
