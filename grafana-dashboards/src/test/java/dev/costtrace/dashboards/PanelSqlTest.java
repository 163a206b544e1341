package dev.costtrace.dashboards;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.costtrace.budget.BudgetRulesSource;
import dev.costtrace.budget.BudgetSettings;
import dev.costtrace.cli.demo.DemoWorkload;
import dev.costtrace.dashboards.GrafanaSql.TimeRange;
import dev.costtrace.dashboards.GrafanaSql.Variable;
import dev.costtrace.receiver.attribution.TraceAttributor;
import dev.costtrace.receiver.budget.BudgetEventStore;
import dev.costtrace.receiver.budget.ReceiverBudgets;
import dev.costtrace.receiver.ingest.OtlpReceiver;
import dev.costtrace.receiver.pipeline.PricingPipeline;
import dev.costtrace.sink.ClickHouseSink;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.report.CostReview;
import dev.costtrace.sink.schema.Migrator;
import dev.costtrace.sink.schema.SchemaOptions;
import dev.costtrace.testing.TestClickHouse;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.InputStream;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every panel's and every variable's SQL, rendered as Grafana and the ClickHouse plugin render it,
 * run on the real engine over data sent through the real receiver pipeline: the quick start's demo
 * workload (conversation ID on the root span only) plus one call to a model no catalog knows.
 */
class PanelSqlTest {
  static final Path DASHBOARDS = Path.of("dashboards");
  static final String UNKNOWN_MODEL = "acme-llm-9000";

  /** The weekly review's threshold in these tests: some demo conversations cost more. */
  static final BigDecimal REVIEW_THRESHOLD = new BigDecimal("0.1");

  /** IDs an attacker controls (an app's end user names its conversation) that try to become SQL. */
  static final String HOSTILE_CONVERSATION = "conv-x\\' OR 1=1 -- '); /* \"é";

  static final String HOSTILE_TENANT = "tenant\\'x' OR '1'='1";
  static final String HOSTILE_SERVICE = "svc'\\";
  static final String HOSTILE_FEATURE = "feat*/ OR 1=1 /*";

  /** gpt-4o-mini, 2,000 input and 300 output tokens: the hostile conversation's one call. */
  static final BigDecimal HOSTILE_COST = new BigDecimal("0.00048");

  /** The hostile conversation's call was sampled by probability 1/4 (the only sampled call). */
  static final long HOSTILE_ADJUSTED_COUNT = 4;

  /** Selections that match nothing stored; any row they return would be an injection at work. */
  static final List<String> HOSTILE =
      List.of(
          "'",
          "\\",
          "\\'",
          "' OR 1=1 --",
          "x\\' OR 1=1 -- ",
          "') OR ('1'='1",
          "*/ OR 1=1 /*",
          "a,b",
          "{acme}",
          "%27",
          "__all__",
          "$__all",
          "acme' OR tenant_id != '",
          "\\\\' OR 1=1 #",
          "é\u2028\n");

  static final TimeRange RANGE =
      new TimeRange(
          Instant.now().minus(Duration.ofDays(7)),
          Instant.now().plus(Duration.ofDays(1)),
          Duration.ofMinutes(10));

  static ClickHouseEndpoint endpoint;
  static String db;
  static Client client;
  static List<Dashboard> dashboards;
  static Map<String, Map<String, List<String>>> expectedColumns;
  static long conversations;
  static String topConversation;

  @BeforeAll
  static void seed() throws Exception {
    dashboards = Dashboard.loadAll(DASHBOARDS);
    try (InputStream in = PanelSqlTest.class.getResourceAsStream("/panel-columns.json")) {
      expectedColumns = new ObjectMapper().readValue(in, new TypeReference<>() {});
    }
    endpoint = TestClickHouse.shared();
    db = TestClickHouse.newDatabase("dashboards");
    client = endpoint.newClient("default");
    new Migrator(client, new SchemaOptions(db, "", Duration.ZERO)).up();
    Path buffer = Files.createTempDirectory("costtrace-dashboards-buffer");
    ClickHouseSink sink =
        ClickHouseSink.builder()
            .client(endpoint.newClient("default"), true)
            .database(db)
            .bufferDir(buffer)
            .maxBatchDelay(Duration.ofMillis(50))
            .build();
    // Budgets as the receiver runs them: a warning past 0.05 USD per conversation, events stored.
    BudgetEventStore events = new BudgetEventStore(client, db);
    ReceiverBudgets budgets =
        new ReceiverBudgets(
            BudgetRulesSource.create(
                BudgetSettings.from(Map.of("costtrace.budget.conversation.warn.usd", "0.05")::get),
                w -> {}),
            List.of(events),
            System::nanoTime);
    PricingPipeline pipeline =
        PricingPipeline.builder(sink)
            .attributor(new TraceAttributor(Duration.ofSeconds(30), 100_000))
            .acceptedSpans(budgets)
            .build();
    try (OtlpReceiver receiver =
        OtlpReceiver.builder()
            .host("127.0.0.1")
            .grpcPort(0)
            .httpPort(0)
            .consumer(pipeline)
            .start()) {
      String url = "http://127.0.0.1:" + receiver.httpPort();
      DemoWorkload.Summary sent = DemoWorkload.send(url, 40, 7);
      sendUnknownModelCall(url);
      sendHostileConversation(url);
      await("every span received")
          .atMost(Duration.ofMinutes(1))
          .pollInterval(Duration.ofMillis(20))
          .untilAsserted(() -> assertThat(pipeline.spansReceived()).isEqualTo(sent.spans() + 4));
      assertThat(sink.flush(Duration.ofMinutes(1))).isTrue();
    } finally {
      sink.close();
      events.flush(60_000);
      events.close();
    }
    GenericRecord c =
        client
            .queryAll(
                "SELECT count() AS n, argMax(conversation_id, total_cost) AS top FROM "
                    + db
                    + ".conversation_costs")
            .get(0);
    conversations = c.getLong("n");
    topConversation = c.getString("top");
    assertThat(conversations).isEqualTo(42);
  }

  /** A conversation whose IDs are built to break out of SQL string literals. */
  private static void sendHostileConversation(String url) {
    OtlpHttpSpanExporter exporter =
        OtlpHttpSpanExporter.builder().setEndpoint(url + "/v1/traces").build();
    try (SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .setResource(
                Resource.getDefault().toBuilder().put("service.name", HOSTILE_SERVICE).build())
            .addSpanProcessor(SimpleSpanProcessor.create(exporter))
            .build()) {
      Tracer tracer = provider.get("dashboards-test");
      Span root = tracer.spanBuilder("POST /chat").startSpan();
      root.setAttribute("gen_ai.conversation.id", HOSTILE_CONVERSATION);
      root.setAttribute("tenant.id", HOSTILE_TENANT);
      root.setAttribute("costtrace.feature", HOSTILE_FEATURE);
      try (Scope ignored = root.makeCurrent()) {
        Span llm = tracer.spanBuilder("chat gpt-4o-mini").startSpan();
        llm.setAttribute("gen_ai.operation.name", "chat");
        llm.setAttribute("gen_ai.provider.name", "openai");
        llm.setAttribute("gen_ai.request.model", "gpt-4o-mini");
        llm.setAttribute(AttributeKey.longKey("gen_ai.usage.input_tokens"), 2000L);
        llm.setAttribute(AttributeKey.longKey("gen_ai.usage.output_tokens"), 300L);
        // Its emitter sampled it with probability 1/4 and says so: it stands for 4 calls.
        llm.setAttribute(AttributeKey.longKey("sampling.adjusted_count"), HOSTILE_ADJUSTED_COUNT);
        llm.end();
      }
      root.end();
      provider.forceFlush().join(10, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  /** One turn whose model has no price: must show up as unpriced, never as a zero cost. */
  private static void sendUnknownModelCall(String url) {
    OtlpHttpSpanExporter exporter =
        OtlpHttpSpanExporter.builder().setEndpoint(url + "/v1/traces").build();
    try (SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .setResource(
                Resource.getDefault().toBuilder().put("service.name", "batch-summarizer").build())
            .addSpanProcessor(SimpleSpanProcessor.create(exporter))
            .build()) {
      Tracer tracer = provider.get("dashboards-test");
      Span root = tracer.spanBuilder("summarize").startSpan();
      root.setAttribute("gen_ai.conversation.id", "conv-unpriced");
      root.setAttribute("tenant.id", "acme");
      try (Scope ignored = root.makeCurrent()) {
        Span llm = tracer.spanBuilder("chat " + UNKNOWN_MODEL).startSpan();
        llm.setAttribute("gen_ai.operation.name", "chat");
        llm.setAttribute("gen_ai.provider.name", "acme");
        llm.setAttribute("gen_ai.request.model", UNKNOWN_MODEL);
        llm.setAttribute(AttributeKey.longKey("gen_ai.usage.input_tokens"), 1000L);
        llm.setAttribute(AttributeKey.longKey("gen_ai.usage.output_tokens"), 100L);
        llm.end();
      }
      root.end();
      provider.forceFlush().join(10, java.util.concurrent.TimeUnit.SECONDS);
    }
  }

  @AfterAll
  static void close() {
    if (client != null) {
      client.close();
    }
  }

  /** Every variable as the dashboard's defaults select it: "All" for filters. */
  static Map<String, Variable> defaults(Dashboard d) {
    Map<String, Variable> vars = new HashMap<>();
    for (JsonNode v : d.variables()) {
      String name = v.path("name").asText();
      if (name.equals("db")) {
        vars.put(name, Variable.of(name, db));
      } else if (name.equals("conversation")) {
        vars.put(name, Variable.of(name, topConversation));
      } else if (name.equals("threshold")) {
        vars.put(
            name, Variable.of(name, REVIEW_THRESHOLD.toPlainString())); // the demo's cost $2 less
      } else {
        vars.put(name, Variable.all(name, v.path("allValue").asText(null), List.of()));
      }
    }
    return vars;
  }

  record Result(List<String> columns, List<GenericRecord> rows) {
    BigDecimal decimal(int row, String column) {
      return rows.get(row).getBigDecimal(column);
    }
  }

  static Result run(String sql) {
    List<GenericRecord> rows = client.queryAll(sql);
    List<String> columns = new ArrayList<>();
    if (!rows.isEmpty()) {
      rows.get(0).getSchema().getColumns().forEach(c -> columns.add(c.getColumnName()));
    }
    return new Result(columns, rows);
  }

  static Result panel(String uid, String title, Map<String, Variable> overrides) {
    return panel(uid, title, overrides, RANGE);
  }

  static Result panel(String uid, String title, Map<String, Variable> overrides, TimeRange range) {
    Dashboard d = dashboards.stream().filter(x -> x.uid().equals(uid)).findFirst().orElseThrow();
    JsonNode p =
        d.panels().stream()
            .filter(x -> x.path("title").asText().equals(title))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no panel '" + title + "' in " + uid));
    return run(
        GrafanaSql.render(
            p.path("targets").get(0).path("rawSql").asText(), variables(d, overrides), range));
  }

  /** The defaults with {@code overrides}, each a multi-value variable where the dashboard's is. */
  static Map<String, Variable> variables(Dashboard d, Map<String, Variable> overrides) {
    Map<String, Variable> vars = defaults(d);
    for (JsonNode v : d.variables()) {
      Variable o = overrides.get(v.path("name").asText());
      if (o != null) {
        vars.put(o.name(), v.path("multi").asBoolean() ? o.asMulti() : o);
      }
    }
    return vars;
  }

  static Result panel(String uid, String title) {
    return panel(uid, title, Map.of());
  }

  static Stream<Arguments> panels() {
    List<Arguments> out = new ArrayList<>();
    for (Dashboard d : Dashboard.loadAll(DASHBOARDS)) {
      for (JsonNode p : d.panels()) {
        if (p.has("targets")) {
          out.add(Arguments.of(d.uid(), p.path("title").asText()));
        }
      }
    }
    return out.stream();
  }

  /** The variables whose values come from data (IDs and names an app's end user may choose). */
  static final List<String> DATA_VARIABLES =
      List.of("service", "tenant", "feature", "model", "conversation");

  /**
   * The panels of dashboards with a variable from data (the weekly review has none: it shows the
   * whole period, as {@code costtrace review} does, with only a typed threshold).
   */
  static Stream<Arguments> filteredPanels() {
    List<Arguments> out = new ArrayList<>();
    for (Dashboard d : Dashboard.loadAll(DASHBOARDS)) {
      if (d.variables().stream().noneMatch(v -> DATA_VARIABLES.contains(v.path("name").asText()))) {
        continue;
      }
      for (JsonNode p : d.panels()) {
        if (p.has("targets")) {
          out.add(Arguments.of(d.uid(), p.path("title").asText()));
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("panels")
  void everyPanelReturnsTheColumnsItShows(String uid, String title) {
    List<String> expected = expectedColumns.getOrDefault(uid, Map.of()).get(title);
    assertThat(expected).as("expected columns for %s / %s", uid, title).isNotNull();
    Result r = panel(uid, title);
    assertThat(r.rows()).as("rows of %s", title).isNotEmpty();
    assertThat(r.columns()).containsExactlyElementsOf(expected);
  }

  static Stream<Arguments> variables() {
    List<Arguments> out = new ArrayList<>();
    for (Dashboard d : Dashboard.loadAll(DASHBOARDS)) {
      for (JsonNode v : d.variables()) {
        if (v.path("type").asText().equals("query")) {
          out.add(Arguments.of(d.uid(), v.path("name").asText()));
        }
      }
    }
    return out.stream();
  }

  @ParameterizedTest(name = "{0}: ${1}")
  @MethodSource("variables")
  void everyVariableQueryListsValues(String uid, String name) {
    Dashboard d = dashboards.stream().filter(x -> x.uid().equals(uid)).findFirst().orElseThrow();
    JsonNode v =
        d.variables().stream()
            .filter(x -> x.path("name").asText().equals(name))
            .findFirst()
            .orElseThrow();
    Result r = run(GrafanaSql.render(v.path("query").asText(), defaults(d), RANGE));
    assertThat(r.columns()).hasSize(1);
    List<String> values = r.rows().stream().map(x -> x.getString(1)).toList();
    assertThat(values).isNotEmpty().doesNotContain("").doesNotHaveDuplicates();
    switch (name) {
      case "tenant" ->
          assertThat(values)
              .containsExactly("acme", "globex", "initech", HOSTILE_TENANT, "umbrella");
      case "service" ->
          assertThat(values).containsExactly("batch-summarizer", "demo-chat-app", HOSTILE_SERVICE);
      case "model" -> assertThat(values).contains(UNKNOWN_MODEL, "gpt-4o-mini", "tool:web_search");
      case "conversation" -> assertThat(values.get(0)).isEqualTo(topConversation);
      default -> {}
    }
  }

  @Test
  void budgetPanelListsOneWarningPerConversationPastTheThreshold() {
    long over =
        run("SELECT count() AS n FROM " + db + ".conversation_costs WHERE total_cost > 0.05")
            .rows()
            .get(0)
            .getLong("n");
    Result r = panel("costtrace-features-tenants", "Budget warnings and limit hits");
    assertThat(over).isPositive();
    assertThat(r.rows()).hasSize((int) over);
    assertThat(r.rows())
        .allSatisfy(
            row -> {
              assertThat(row.getString("limit_name")).isEqualTo("conversation_warn_usd");
              assertThat(row.getString("action")).isEqualTo("observed");
              assertThat(new BigDecimal(row.getString("reach")))
                  .isGreaterThan(new BigDecimal("0.05"));
            });
  }

  @Test
  void totalSpendIsTheExactSumOfEveryCall() {
    BigDecimal all = run("SELECT sum(total_cost) AS s FROM " + db + ".spans").decimal(0, "s");
    assertThat(panel("costtrace-overview", "Total spend").decimal(0, "total_usd"))
        .isEqualByComparingTo(all);
    assertThat(all).isPositive();
  }

  @Test
  void theEstimateUnderSamplingIsApartFromCountedMoney() {
    Result r = panel("costtrace-overview", "Estimated spend under sampling");
    BigDecimal counted = panel("costtrace-overview", "Total spend").decimal(0, "total_usd");
    assertThat(r.decimal(0, "counted_usd")).isEqualByComparingTo(counted);
    assertThat(r.decimal(0, "sampled_calls")).isEqualByComparingTo(BigDecimal.ONE);
    // The one sampled call stands for 4: three more of it are estimated, nothing else changes.
    assertThat(r.decimal(0, "estimated_usd"))
        .isEqualByComparingTo(
            counted.add(HOSTILE_COST.multiply(BigDecimal.valueOf(HOSTILE_ADJUSTED_COUNT - 1))));
    // Counted money stays counted: the conversation's total is its one call, once.
    assertThat(
            run("SELECT total_cost AS c FROM "
                    + db
                    + ".conversation_costs WHERE conversation_id = '"
                    + HOSTILE_CONVERSATION.replace("\\", "\\\\").replace("'", "\\'")
                    + "'")
                .decimal(0, "c"))
        .isEqualByComparingTo(HOSTILE_COST);
  }

  @Test
  void percentilesAreOrdered() {
    for (String[] p :
        new String[][] {
          {"costtrace-overview", "Cost per conversation"},
          {"costtrace-conversations", "Cost per conversation"},
          {"costtrace-overview", "Cost per conversation p50 / p95 / p99"}
        }) {
      Result r = panel(p[0], p[1]);
      for (int i = 0; i < r.rows().size(); i++) {
        assertThat(r.decimal(i, "p95")).isGreaterThanOrEqualTo(r.decimal(i, "p50"));
        assertThat(r.decimal(i, "p99")).isGreaterThanOrEqualTo(r.decimal(i, "p95"));
      }
    }
    for (String title :
        new String[] {"Cost per conversation by feature", "Cost per conversation by tenant"}) {
      Result r = panel("costtrace-features-tenants", title);
      for (int i = 0; i < r.rows().size(); i++) {
        assertThat(r.decimal(i, "p95_usd")).isGreaterThanOrEqualTo(r.decimal(i, "p50_usd"));
        assertThat(r.decimal(i, "p99_usd")).isGreaterThanOrEqualTo(r.decimal(i, "p95_usd"));
        assertThat(r.decimal(i, "max_usd")).isGreaterThanOrEqualTo(r.decimal(i, "p99_usd"));
      }
    }
  }

  @Test
  void histogramCountsEveryConversationOnce() {
    Result r = panel("costtrace-conversations", "Cost per conversation (log-scale buckets)");
    assertThat(r.rows().stream().mapToLong(x -> x.getLong("conversations")).sum())
        .isEqualTo(conversations);
    assertThat(r.rows().get(0).getString("bucket")).isEqualTo("no cost (unpriced)");
    assertThat(r.rows().size()).as("buckets").isGreaterThan(4); // the spread the product is about
  }

  @Test
  void topConversationsAreOrderedByCostAndMatchTheRollup() {
    Result r = panel("costtrace-conversations", "Most expensive conversations");
    assertThat(r.rows()).hasSize((int) Math.min(50, conversations));
    for (int i = 1; i < r.rows().size(); i++) {
      assertThat(r.decimal(i - 1, "total_usd")).isGreaterThanOrEqualTo(r.decimal(i, "total_usd"));
    }
    GenericRecord top = r.rows().get(0);
    assertThat(top.getString("conversation_id")).isEqualTo(topConversation);
    GenericRecord rollup =
        client
            .queryAll(
                "SELECT * FROM "
                    + db
                    + ".conversation_costs WHERE conversation_id = '"
                    + topConversation
                    + "'")
            .get(0);
    assertThat(top.getBigDecimal("total_usd"))
        .isEqualByComparingTo(rollup.getBigDecimal("total_cost"));
    assertThat(top.getLong("turns")).isEqualTo(rollup.getLong("turns"));
    assertThat(top.getString("tenant")).isNotEmpty().isEqualTo(rollup.getString("tenant_id"));
    assertThat(top.getString("feature")).isNotEmpty();
    assertThat(top.getString("models")).isNotEmpty();
  }

  @Test
  void cumulativeCostRisesTurnByTurnToTheConversationTotal() {
    Result r = panel("costtrace-conversation", "Cumulative cost per turn");
    BigDecimal running = BigDecimal.ZERO;
    for (int i = 0; i < r.rows().size(); i++) {
      assertThat(r.rows().get(i).getLong("turn")).isEqualTo(i + 1);
      running = running.add(r.decimal(i, "turn_usd"));
      assertThat(r.decimal(i, "cumulative_usd")).isEqualByComparingTo(running);
    }
    BigDecimal total = panel("costtrace-conversation", "Conversation").decimal(0, "total_usd");
    assertThat(running).isEqualByComparingTo(total);
    assertThat(r.rows())
        .hasSize(
            (int) panel("costtrace-conversation", "Conversation").rows().get(0).getLong("turns"));
    BigDecimal calls = BigDecimal.ZERO;
    for (GenericRecord call : panel("costtrace-conversation", "Every call").rows()) {
      calls = calls.add(call.getBigDecimal("cost_usd"));
    }
    assertThat(calls).isEqualByComparingTo(total);
  }

  @Test
  void filtersNarrowEveryView() {
    Map<String, Variable> acme = Map.of("tenant", Variable.of("tenant", "acme"));
    long acmeConversations =
        panel("costtrace-overview", "Conversations", acme).rows().get(0).getLong("conversations");
    assertThat(acmeConversations).isPositive().isLessThan(conversations);
    assertThat(panel("costtrace-conversations", "Most expensive conversations", acme).rows())
        .hasSize((int) acmeConversations)
        .allSatisfy(x -> assertThat(x.getString("tenant")).isEqualTo("acme"));
    assertThat(panel("costtrace-features-tenants", "Cost per conversation by tenant", acme).rows())
        .singleElement()
        .satisfies(x -> assertThat(x.getString("tenant_id")).isEqualTo("acme"));
    // Per-call panels see the conversation's tenant although only the root span carried it.
    BigDecimal acmeSpend = panel("costtrace-overview", "Total spend", acme).decimal(0, "total_usd");
    BigDecimal allSpend = panel("costtrace-overview", "Total spend").decimal(0, "total_usd");
    assertThat(acmeSpend).isPositive().isLessThan(allSpend);
    Map<String, Variable> model = Map.of("model", Variable.of("model", "gpt-4o-mini"));
    assertThat(panel("costtrace-overview", "Model mix by calls", model).rows())
        .singleElement()
        .satisfies(x -> assertThat(x.getString("model")).isEqualTo("gpt-4o-mini"));
  }

  @Test
  void unpricedCallsAreShownNotCountedAsZero() {
    Result r = panel("costtrace-overview", "Pricing coverage: top unpriced models");
    assertThat(r.rows())
        .singleElement()
        .satisfies(
            x -> {
              assertThat(x.getString("model")).isEqualTo(UNKNOWN_MODEL);
              assertThat(x.getString("pricing_status")).isEqualTo("UNKNOWN_MODEL");
              assertThat(x.getString("reason")).isNotEmpty();
            });
    double share =
        panel("costtrace-overview", "Unpriced calls").rows().get(0).getDouble("unpriced_share");
    assertThat(share).isGreaterThan(0).isLessThan(0.05);
  }

  @Test
  void latencyAndTimeToFirstTokenPerModel() {
    Result r = panel("costtrace-overview", "Latency and time to first token by model");
    for (GenericRecord x : r.rows()) {
      assertThat(x.getDouble("p99_ms")).isGreaterThanOrEqualTo(x.getDouble("p50_ms")).isPositive();
      if (!x.getString("model").equals(UNKNOWN_MODEL)) { // the demo's calls are streamed
        assertThat(x.getDouble("ttft_p99_ms")).isPositive().isLessThan(x.getDouble("p99_ms"));
      }
    }
  }

  @Test
  void laterTurnsCostMoreAsContextGrows() {
    Result r = panel("costtrace-conversations", "Cost of turn N (context growth)");
    assertThat(r.rows().get(0).getLong("turn")).isEqualTo(1);
    assertThat(r.rows().get(0).getLong("conversations")).isEqualTo(conversations);
    BigDecimal first = r.decimal(0, "mean_turn_usd");
    BigDecimal fifth = r.decimal(4, "mean_turn_usd");
    assertThat(fifth).isGreaterThan(first);
  }

  /**
   * The weekly-review dashboard shows what {@code costtrace review} says for the same period: the
   * last three hours of the demo against the 27 before them (both hold conversations).
   */
  @Test
  void weeklyReviewShowsTheReviewsFigures() {
    Instant to =
        Instant.now()
            .plus(Duration.ofMinutes(5))
            .truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
    Instant from = to.minus(Duration.ofHours(3));
    TimeRange range = new TimeRange(from, to, Duration.ofMinutes(10));
    CostReview.Review review =
        new CostReview(client, db, "http://grafana")
            .run(to, Duration.between(from, to), REVIEW_THRESHOLD);
    assertThat(review.previous().conversations()).isPositive();
    assertThat(review.current().conversations()).isPositive();
    String uid = "costtrace-weekly-review";

    Result spend = panel(uid, "Spend, this period and the one before", Map.of(), range);
    assertThat(spend.decimal(0, "total_usd")).isEqualByComparingTo(review.current().totalUsd());
    assertThat(spend.decimal(0, "previous_usd")).isEqualByComparingTo(review.previous().totalUsd());

    Result summary = panel(uid, "This period against the one before", Map.of(), range);
    assertThat(summary.rows()).hasSize(2);
    for (GenericRecord row : summary.rows()) {
      CostReview.Period p =
          row.getString("period").equals("this period") ? review.current() : review.previous();
      assertThat(row.getBigDecimal("total_usd")).isEqualByComparingTo(p.totalUsd());
      assertThat(row.getLong("conversations")).isEqualTo(p.conversations());
      assertThat(row.getBigDecimal("p50_usd")).isEqualByComparingTo(p.p50Usd());
      assertThat(row.getBigDecimal("p95_usd")).isEqualByComparingTo(p.p95Usd());
      assertThat(row.getBigDecimal("p99_usd")).isEqualByComparingTo(p.p99Usd());
      assertThat(row.getBigDecimal("max_usd")).isEqualByComparingTo(p.maxUsd());
      assertThat(row.getBigDecimal("top_5pct_share"))
          .isCloseTo(p.top5pctShare(), within(new BigDecimal("0.0001")));
      assertThat(row.getLong("over_threshold")).isEqualTo(p.overThreshold());
    }

    assertThat(panel(uid, "Cost per conversation (log buckets)", Map.of(), range).rows())
        .extracting(r -> r.getLong("conversations"))
        .containsExactlyElementsOf(
            review.histogram().stream().map(CostReview.Bucket::conversations).toList());
    Result cumulative = panel(uid, "Cumulative share of spend", Map.of(), range);
    assertThat(cumulative.rows()).hasSize(20);
    for (int i = 0; i < 20; i++) {
      assertThat(cumulative.decimal(i, "spend_share"))
          .isCloseTo(
              review.cumulative().get(i * 5 + 4).spendShare(), within(new BigDecimal("0.0001")));
    }
    BigDecimal now = BigDecimal.ZERO;
    BigDecimal before = BigDecimal.ZERO;
    for (GenericRecord day : panel(uid, "Spend per day", Map.of(), range).rows()) {
      now = now.add(day.getBigDecimal("this_period_usd"));
      before = before.add(day.getBigDecimal("previous_usd"));
    }
    assertThat(now).isEqualByComparingTo(review.current().totalUsd());
    assertThat(before).isEqualByComparingTo(review.previous().totalUsd());

    Result over = panel(uid, "Conversations over the threshold", Map.of(), range);
    assertThat(over.rows())
        .extracting(
            r ->
                r.getString("conversation_id")
                    + " "
                    + r.getBigDecimal("cost_usd").stripTrailingZeros())
        .containsExactlyElementsOf(
            review.overThreshold().stream()
                .map(e -> e.conversationId() + " " + e.costUsd().stripTrailingZeros())
                .toList())
        .isNotEmpty();

    for (String[] kind :
        new String[][] {
          {"Features whose p95 moved most", "feature"}, {"Models whose p95 moved most", "model"}
        }) {
      List<CostReview.Mover> movers =
          kind[1].equals("feature") ? review.features() : review.models();
      assertThat(movers).isNotEmpty();
      Map<String, GenericRecord> shown = new HashMap<>();
      panel(uid, kind[0], Map.of(), range).rows().forEach(r -> shown.put(r.getString("name"), r));
      for (CostReview.Mover m : movers) {
        GenericRecord r = shown.get(m.name());
        assertThat(r).as("%s %s on the dashboard", kind[1], m.name()).isNotNull();
        assertThat(r.getBigDecimal("p95_usd")).isEqualByComparingTo(m.p95NowUsd());
        assertThat(r.getBigDecimal("previous_p95_usd")).isEqualByComparingTo(m.p95BeforeUsd());
        assertThat(r.getBigDecimal("change"))
            .isCloseTo(m.change(), within(new BigDecimal("0.0001")));
      }
    }
    assertThat(panel(uid, "Unpriced models", Map.of(), range).rows())
        .extracting(r -> r.getString("model") + " " + r.getLong("calls"))
        .containsExactlyElementsOf(
            review.unpriced().stream().map(u -> u.model() + " " + u.calls()).toList());
  }

  /**
   * Every panel with every variable set to values that try to break out of the SQL string: each
   * runs, and none returns data (nothing stored matches them), so no value became SQL. Before,
   * ${var:singlequote} left a backslash that ClickHouse read as an escape.
   */
  @ParameterizedTest(name = "{0}: {1}")
  @MethodSource("filteredPanels")
  void hostileSelectionsStayData(String uid, String title) {
    Dashboard d = dashboards.stream().filter(x -> x.uid().equals(uid)).findFirst().orElseThrow();
    for (String hostile : HOSTILE) {
      Map<String, Variable> vars = new HashMap<>();
      for (String name : DATA_VARIABLES) {
        vars.put(name, Variable.of(name, hostile));
      }
      Result r = panel(uid, title, vars);
      for (GenericRecord row : r.rows()) {
        for (String column : r.columns()) {
          Object value = row.getObject(column);
          if (value instanceof Number n && !Double.isNaN(n.doubleValue())) {
            assertThat(n.doubleValue()).as("%s of %s with %s", column, title, hostile).isZero();
          }
        }
      }
    }
  }

  /**
   * The weekly review's typed threshold reaches SQL as data too: not a number is an error, never
   * SQL.
   */
  @Test
  void aHostileThresholdIsAnErrorNotSql() {
    for (String hostile : List.of("0') OR 1=1 --", "0\\' OR 1=1 -- ", "0 OR 1=1", "0%27")) {
      assertThatThrownBy(
              () ->
                  panel(
                      "costtrace-weekly-review",
                      "Conversations over the threshold",
                      Map.of("threshold", Variable.of("threshold", hostile))))
          .as(hostile)
          .isNotNull();
    }
    assertThat(
            panel(
                    "costtrace-weekly-review",
                    "Conversations over the threshold",
                    Map.of("threshold", Variable.of("threshold", "1000000")))
                .rows())
        .isEmpty();
  }

  /**
   * The hostile IDs that are stored select exactly their own data, in filters and the detail view.
   */
  @Test
  void hostileIdsThatExistSelectExactlyTheirData() {
    Map<String, Variable> filters =
        Map.of(
            "tenant",
            Variable.of("tenant", HOSTILE_TENANT),
            "service",
            Variable.of("service", HOSTILE_SERVICE),
            "feature",
            Variable.of("feature", HOSTILE_FEATURE));
    assertThat(panel("costtrace-overview", "Total spend", filters).decimal(0, "total_usd"))
        .isEqualByComparingTo(HOSTILE_COST);
    assertThat(
            panel("costtrace-overview", "Conversations", filters)
                .rows()
                .get(0)
                .getLong("conversations"))
        .isEqualTo(1);
    Result top = panel("costtrace-conversations", "Most expensive conversations", filters);
    assertThat(top.rows())
        .singleElement()
        .satisfies(
            x -> {
              assertThat(x.getString("conversation_id")).isEqualTo(HOSTILE_CONVERSATION);
              assertThat(x.getString("tenant")).isEqualTo(HOSTILE_TENANT);
            });
    Map<String, Variable> detail =
        Map.of("conversation", Variable.of("conversation", HOSTILE_CONVERSATION));
    assertThat(panel("costtrace-conversation", "Conversation", detail).rows())
        .singleElement()
        .satisfies(
            x -> {
              assertThat(x.getString("conversation_id")).isEqualTo(HOSTILE_CONVERSATION);
              assertThat(x.getBigDecimal("total_usd")).isEqualByComparingTo(HOSTILE_COST);
            });
    assertThat(panel("costtrace-conversation", "Every call", detail).rows()).hasSize(1);
  }
}
