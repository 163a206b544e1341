package dev.costtrace.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.testing.TestClickHouse;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.sdk.common.CompletableResultCode;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.data.SpanData;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Infrastructure cost end to end: {@code costtrace serve} with a rules file, the SDK's OTLP
 * exporter sending the spans of two services across two closed hours, then the API, {@code report}
 * and {@code verify} (the allocator runs inside serve); a late span and a changed rule re-allocate.
 *
 * <p>The rules and the hand-computed split (every amount checkable on paper):
 *
 * <ul>
 *   <li>{@code gpu}: service inference-svc, $3.60 an hour, per second, actual. Hour 1: traces A (30
 *       s), B (70 s) and C (30 s of a span crossing into hour 2): 3.6 × 30/130 = 0.830769230769|23
 *       for A and C, 3.6 × 70/130 = 1.938461538461|53 for B; the cuts leave one 10^-12 over, which
 *       goes to the largest remainder, B's: 1.938461538462. Hour 2: C (30 s), D (60 s): 1.2 and
 *       2.4.
 *   <li>{@code vector-db}: service rag-svc, $0.90 an hour, per call, actual. Hour 1: E (2 calls)
 *       0.6, F (1 call) 0.3; hour 2: G (3 calls) 0.9.
 *   <li>{@code router}: service rag-svc, $2 an hour for a capacity of 100 conversations, per
 *       conversation, fixed: 0.02 a conversation and hour; the rest of each hour is idle.
 * </ul>
 *
 * Conversations: conv-1 = A, C, E; conv-2 = B, F; conv-3 = D, G. Every LLM call is gpt-4o-mini with
 * 1,000 input and 100 output tokens: $0.00021.
 */
class InfraCostEndToEndTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newHttpClient();
  private static final BigDecimal CALL = new BigDecimal("0.00021");

  /** The first of the two hours: three hours before the current one, closed long ago. */
  private static final Instant H1 =
      Instant.now().truncatedTo(ChronoUnit.HOURS).minus(3, ChronoUnit.HOURS);

  private static final Instant H2 = H1.plus(1, ChronoUnit.HOURS);

  @TempDir Path dir;

  @AfterEach
  void clear() {
    for (String k :
        List.of(
            "costtrace.clickhouse.url",
            "costtrace.clickhouse.user",
            "costtrace.clickhouse.password",
            "costtrace.clickhouse.database",
            "costtrace.sink.buffer.dir",
            "costtrace.infra.costs",
            "costtrace.infra.interval",
            "costtrace.infra.grace",
            "costtrace.infra.window",
            "costtrace.rollup.check.interval")) {
      System.clearProperty(k);
    }
  }

  static String rules(String gpuHourly) {
    return "rules:\n"
        + "  - name: gpu\n"
        + "    match: {service: inference-svc}\n"
        + "    hourly_usd: "
        + gpuHourly
        + "\n"
        + "    allocate: per_second\n"
        + "  - name: vector-db\n"
        + "    match: {service: rag-svc}\n"
        + "    hourly_usd: 0.9\n"
        + "    allocate: per_call\n"
        + "  - name: router\n"
        + "    match: {service: rag-svc}\n"
        + "    hourly_usd: 2\n"
        + "    allocate: per_conversation\n"
        + "    rate: fixed\n"
        + "    capacity_per_hour: 100\n";
  }

  @Test
  void infrastructureCostIsAllocatedExactlyAndShowsEverywhere() throws Exception {
    ClickHouseEndpoint e = TestClickHouse.shared();
    String db = TestClickHouse.newDatabase("infra_e2e");
    Path rulesFile = Files.writeString(dir.resolve("infra.yaml"), rules("3.6"));
    System.setProperty("costtrace.clickhouse.url", e.httpUrl());
    System.setProperty("costtrace.clickhouse.user", e.user());
    System.setProperty("costtrace.clickhouse.password", e.password());
    System.setProperty("costtrace.clickhouse.database", db);
    System.setProperty("costtrace.sink.buffer.dir", dir.resolve("buffer").toString());
    System.setProperty("costtrace.infra.costs", rulesFile.toString());
    System.setProperty("costtrace.infra.interval", "200ms");
    System.setProperty("costtrace.infra.grace", "0s");
    System.setProperty("costtrace.infra.window", "6h");
    System.setProperty("costtrace.rollup.check.interval", "0");

    CommandLine cli = CostTrace.commandLine();
    ServeCommand serve = cli.getSubcommands().get("serve").getCommand();
    java.io.StringWriter out = new java.io.StringWriter();
    cli.setOut(new java.io.PrintWriter(out));
    cli.setErr(new java.io.PrintWriter(out));
    Thread running =
        new Thread(() -> cli.execute("serve", "--grpc-port", "0", "--http-port", "0"), "serve");
    running.start();
    try {
      await().atMost(2, TimeUnit.MINUTES).until(() -> serve.receiver != null || !running.isAlive());
      assertThat(serve.receiver).as(out.toString()).isNotNull();
      assertThat(out.toString()).contains("infrastructure cost rules from " + rulesFile);
      String base = "http://127.0.0.1:" + serve.receiver.httpPort();

      Map<String, String> conversations = new HashMap<>();
      // inference-svc: A and B in hour 1, C from hour 1 into hour 2, D in hour 2.
      export(
          base,
          "inference-svc",
          t -> {
            turn(t, "conv-1", H1.plusSeconds(600), 30, 1);
            turn(t, "conv-2", H1.plusSeconds(900), 70, 1);
            turn(t, "conv-1", H2.minusSeconds(30), 60, 1);
            turn(t, "conv-3", H2.plusSeconds(300), 60, 1);
          });
      // rag-svc: E (2 calls) and F (1) in hour 1, G (3) in hour 2.
      export(
          base,
          "rag-svc",
          t -> {
            turn(t, "conv-1", H1.plusSeconds(1200), 1, 2);
            turn(t, "conv-2", H1.plusSeconds(1300), 1, 1);
            turn(t, "conv-3", H2.plusSeconds(1200), 1, 3);
          });
      conversations.put("conv-1", "3.481538461538"); // .830769230769 × 2 + 1.2 + 0.6 + 0.02
      conversations.put("conv-2", "2.258461538462"); // 1.938461538462 + 0.3 + 0.02
      conversations.put("conv-3", "3.32"); // 2.4 + 0.9 + 0.02
      Map<String, Integer> calls = Map.of("conv-1", 4, "conv-2", 2, "conv-3", 4);
      awaitInfra(base, conversations);

      for (Map.Entry<String, String> c : conversations.entrySet()) {
        JsonNode j = get(base + "/api/v1/conversations/" + c.getKey());
        BigDecimal llm = usd(j, "llm_usd");
        assertThat(llm)
            .isEqualByComparingTo(CALL.multiply(BigDecimal.valueOf(calls.get(c.getKey()))));
        assertThat(usd(j, "tool_usd")).isZero();
        assertThat(usd(j, "infra_usd")).isEqualByComparingTo(c.getValue());
        assertThat(usd(j, "total_usd")).isEqualByComparingTo(llm.add(usd(j, "infra_usd")));
      }
      JsonNode conv1 = get(base + "/api/v1/conversations/conv-1");
      Map<String, String> models = new HashMap<>();
      for (JsonNode m : conv1.get("models")) {
        models.put(
            m.get("model").asText(), m.get("calls").asText() + " " + m.get("total_usd").asText());
      }
      assertThat(models)
          .containsEntry("infra:gpu", "3 2.861538461538") // A, C's two hours
          .containsEntry("infra:vector-db", "2 0.6")
          .containsEntry("infra:router", "2 0.02")
          .containsEntry("gpt-4o-mini", "4 0.00084");

      // Grouped by model, the infrastructure adds up exactly to what the rules cost in the hours.
      JsonNode costs = get(base + "/api/v1/costs?since=1d&group_by=model");
      Map<String, BigDecimal> byModel = new HashMap<>();
      for (JsonNode g : costs.get("groups")) {
        byModel.put(g.get("model").asText(), usd(g, "total_usd"));
        assertThat(usd(g, "infra_usd"))
            .isEqualByComparingTo(
                g.get("model").asText().startsWith("infra:")
                    ? usd(g, "total_usd")
                    : BigDecimal.ZERO);
      }
      assertThat(byModel.get("infra:gpu")).isEqualByComparingTo("7.2");
      assertThat(byModel.get("infra:vector-db")).isEqualByComparingTo("1.8");
      assertThat(byModel.get("infra:router")).isEqualByComparingTo("0.06");
      assertThat(usd(costs, "infra_usd")).isEqualByComparingTo("9.06");
      assertThat(usd(costs, "total_usd"))
          .isEqualByComparingTo(new BigDecimal("9.06").add(CALL.multiply(BigDecimal.TEN)));

      // Every hour's cost is allocated or idle, exactly: 2 × (3.6 + 0.9) for the actual rules,
      // and router's hours in the window (6 whole hours and the current one) at $2 each.
      try (Client c = e.newClient("default")) {
        List<GenericRecord> periods =
            c.queryAll(
                "SELECT rule, sum(hour_cost) AS c, sum(allocated) AS a, sum(idle) AS i,"
                    + " sum(allocated + idle = hour_cost) AS exact FROM "
                    + db
                    + ".infra_periods FINAL WHERE hour IN (toDateTime("
                    + H1.getEpochSecond()
                    + "), toDateTime("
                    + H2.getEpochSecond()
                    + ")) GROUP BY rule ORDER BY rule");
        assertThat(periods)
            .extracting(
                r ->
                    r.getString("rule")
                        + " "
                        + r.getBigDecimal("c").stripTrailingZeros().toPlainString()
                        + " "
                        + r.getBigDecimal("a").stripTrailingZeros().toPlainString()
                        + " "
                        + r.getBigDecimal("i").stripTrailingZeros().toPlainString()
                        + " "
                        + r.getLong("exact"))
            .containsExactly("gpu 7.2 7.2 0 2", "router 4 0.06 3.94 2", "vector-db 1.8 1.8 0 2");
      }

      // report: the infrastructure column and the summary; verify: the rollups (infrastructure
      // included) equal their recomputation.
      List<JsonNode> report = new ArrayList<>();
      for (String line : CliRun.ok("report", "--format", "json", "--since", "1d").split("\n")) {
        report.add(JSON.readTree(line));
      }
      JsonNode summary = report.get(report.size() - 1).get("cost_per_conversation");
      assertThat(new BigDecimal(summary.get("infra_usd").asText())).isEqualByComparingTo("9.06");
      assertThat(report.get(0).get("conversation_id").asText()).isEqualTo("conv-1");
      assertThat(new BigDecimal(report.get(0).get("infra_usd").asText()))
          .isEqualByComparingTo("3.481538461538");
      assertThat(CliRun.ok("report", "--by", "model", "--since", "1d"))
          .contains("infra:gpu")
          .contains("infra:vector-db");
      assertThat(CliRun.ok("verify", "--since", "1d")).contains("every one equals");
      // review: the period's spend and its infrastructure part.
      JsonNode review = JSON.readTree(CliRun.ok("review", "--since", "1d", "--format", "json"));
      assertThat(usd(review, "infra_usd")).isEqualByComparingTo("9.06");
      assertThat(usd(review, "total_usd"))
          .isEqualByComparingTo(new BigDecimal("9.06").add(CALL.multiply(BigDecimal.TEN)));
      assertThat(CliRun.ok("review", "--since", "1d")).contains("of it infrastructure");

      // A late span in hour 1 (conv-4, 20 s): hour 1 of gpu is split again over 150 s.
      export(base, "inference-svc", t -> turn(t, "conv-4", H1.plusSeconds(2400), 20, 1));
      conversations.put("conv-1", "3.26"); // 0.72 × 2 + 1.2 + 0.6 + 0.02
      conversations.put("conv-2", "2"); // 1.68 + 0.3 + 0.02
      conversations.put("conv-4", "0.48");
      awaitInfra(base, conversations);
      assertThat(CliRun.ok("verify", "--since", "1d")).contains("every one equals");

      // The rule changes (the GPU costs twice as much): its hours are allocated again.
      Files.writeString(rulesFile, rules("7.20"));
      Files.setLastModifiedTime(rulesFile, FileTime.from(Instant.now().plusSeconds(5)));
      conversations.put("conv-1", "5.9"); // 1.44 × 2 + 2.4 + 0.6 + 0.02
      conversations.put("conv-2", "3.68"); // 3.36 + 0.3 + 0.02
      conversations.put("conv-3", "5.72"); // 4.8 + 0.9 + 0.02
      conversations.put("conv-4", "0.96");
      awaitInfra(base, conversations);
      assertThat(CliRun.ok("verify", "--since", "1d")).contains("every one equals");

      // A bad edit keeps the rules in force.
      Files.writeString(rulesFile, "rules:\n  - name: gpu\n    allocate: per_hour\n");
      Files.setLastModifiedTime(rulesFile, FileTime.from(Instant.now().plusSeconds(10)));
      long runs = serveRuns(base);
      await().atMost(1, TimeUnit.MINUTES).until(() -> serveRuns(base) > runs + 2);
      awaitInfra(base, conversations);
    } catch (AssertionError | RuntimeException failed) {
      System.out.println("serve printed:\n" + out);
      try (Client c = e.newClient("default")) {
        for (String q :
            List.of(
                "SELECT trace_id, service_name, start_time, end_time, total_cost FROM "
                    + db
                    + ".span_rows FINAL",
                "SELECT * FROM " + db + ".trace_rollups FINAL",
                "SELECT * FROM " + db + ".infra_allocations FINAL")) {
          for (GenericRecord r : c.queryAll(q)) {
            System.out.println(r.getValues());
          }
        }
      }
      throw failed;
    } finally {
      serve.stop.countDown();
      running.join(TimeUnit.MINUTES.toMillis(2));
    }
    assertThat(out.toString()).contains("draining and flushing");
  }

  /** Allocation runs so far, from /metrics. */
  static long serveRuns(String base) throws Exception {
    String metrics =
        HTTP.send(
                HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    for (String line : metrics.split("\n")) {
      if (line.startsWith("costtrace_infra_allocation_runs_total ")) {
        return (long) Double.parseDouble(line.substring(line.indexOf(' ') + 1));
      }
    }
    throw new AssertionError("no allocation runs in /metrics:\n" + metrics);
  }

  /** Waits until every conversation's infra_usd is as expected. */
  static void awaitInfra(String base, Map<String, String> expected) {
    await()
        .atMost(40, TimeUnit.SECONDS)
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(
            () -> {
              for (Map.Entry<String, String> c : expected.entrySet()) {
                HttpResponse<String> r =
                    HTTP.send(
                        HttpRequest.newBuilder(
                                URI.create(base + "/api/v1/conversations/" + c.getKey()))
                            .build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
                assertThat(usd(JSON.readTree(r.body()), "infra_usd"))
                    .as(c.getKey())
                    .isEqualByComparingTo(c.getValue());
              }
            });
  }

  static JsonNode get(String url) throws Exception {
    HttpResponse<String> r =
        HTTP.send(
            HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return JSON.readTree(r.body());
  }

  static BigDecimal usd(JsonNode o, String field) {
    assertThat(o.get(field).isTextual()).as(field + " is a decimal string").isTrue();
    return new BigDecimal(o.get(field).asText());
  }

  /**
   * One turn (a trace): a server span naming the conversation and {@code calls} LLM calls under it,
   * each lasting {@code seconds} from {@code start} (one after the other's start, 1 ms apart).
   */
  static void turn(Tracer t, String conversation, Instant start, int seconds, int calls) {
    Span root =
        t.spanBuilder("POST /chat")
            .setSpanKind(SpanKind.SERVER)
            .setStartTimestamp(start)
            .startSpan();
    root.setAttribute("gen_ai.conversation.id", conversation);
    Context parent = Context.root().with(root);
    for (int i = 0; i < calls; i++) {
      Instant s = start.plusMillis(i);
      Span llm =
          t.spanBuilder("chat gpt-4o-mini")
              .setSpanKind(SpanKind.CLIENT)
              .setParent(parent)
              .setStartTimestamp(s)
              .startSpan();
      llm.setAttribute("gen_ai.operation.name", "chat");
      llm.setAttribute("gen_ai.provider.name", "openai");
      llm.setAttribute("gen_ai.request.model", "gpt-4o-mini");
      llm.setAttribute(AttributeKey.longKey("gen_ai.usage.input_tokens"), 1000L);
      llm.setAttribute(AttributeKey.longKey("gen_ai.usage.output_tokens"), 100L);
      llm.end(s.plusSeconds(seconds));
    }
    root.end(start.plusSeconds(seconds).plusMillis(calls));
  }

  /** What {@code spans} makes as service {@code service}, sent by the SDK's OTLP/HTTP exporter. */
  static void export(String base, String service, Consumer<Tracer> spans) {
    InMemorySpanExporter memory = InMemorySpanExporter.create();
    List<SpanData> done;
    try (SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .setResource(
                Resource.create(Attributes.of(AttributeKey.stringKey("service.name"), service)))
            .addSpanProcessor(SimpleSpanProcessor.create(memory))
            .build()) {
      spans.accept(provider.get("infra-test"));
      done = memory.getFinishedSpanItems(); // closing the provider clears the exporter
    }
    assertThat(done).isNotEmpty();
    try (OtlpHttpSpanExporter exporter =
        OtlpHttpSpanExporter.builder().setEndpoint(base + "/v1/traces").build()) {
      CompletableResultCode r = exporter.export(done);
      assertThat(r.join(30, TimeUnit.SECONDS).isSuccess()).isTrue();
    }
  }
}
