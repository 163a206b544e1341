package dev.costtrace.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.Client;
import dev.costtrace.receiver.metrics.PrometheusText;
import dev.costtrace.receiver.metrics.QuietConversations;
import dev.costtrace.receiver.metrics.SpendMetrics;
import dev.costtrace.sink.report.ConversationCosts;
import dev.costtrace.testing.ManualClock;
import io.opentelemetry.api.trace.Tracer;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cost metrics on {@code /metrics} after real SDK exports: spend counters labelled by the
 * attribution the trace's root span brought (after the LLM spans, even in a later request), and the
 * histogram of quiet conversations' cost read from the rollups.
 */
class CostMetricsEndToEndTest {
  @TempDir Path dir;
  final AtomicLong nanos = new AtomicLong();
  ReceiverFixture fixture;

  @BeforeEach
  void start() {
    fixture =
        new ReceiverFixture(
            dir.resolve("buffer"),
            b -> b,
            sink -> sink,
            null,
            SpendMetrics.builder().window(Duration.ofSeconds(30)).nanoTime(nanos::get).build());
  }

  @AfterEach
  void stop() {
    fixture.close();
  }

  /** One OTLP/HTTP request without auth (tenant from the span attributes). */
  void export(Consumer<Tracer> spans) {
    ConversationSpans.export(fixture, null, spans);
  }

  /**
   * The root in the same request: its spans' rows carry the trace's attribution (the request's
   * earliest values), so the spend counts at once, under the root's labels, and only once.
   */
  @Test
  void spendCountsOnceUnderTheLabelsItsRootBrought() throws Exception {
    // acme/support: gpt-4o-mini (0.00021) then gpt-4o with a web search (0.007 + 0.01)
    export(
        t -> {
          ConversationSpans.turn(
              t, "c1", "u1", "support", "acme", 0, "gpt-4o-mini", 1000, 100, false);
          ConversationSpans.turn(t, "c1", "u1", "support", "acme", 60, "gpt-4o", 2000, 200, true);
        });
    Map<String, Double> first = fixture.scrape();
    nanos.addAndGet(
        Duration.ofSeconds(31).toNanos()); // past the window: nothing waits to count again
    for (Map<String, Double> m : List.of(first, fixture.scrape())) {
      assertThat(m)
          .containsEntry(
              "costtrace_model_spend_usd_total{provider=\"openai\",model=\"gpt-4o-mini\"}", 0.00021)
          .containsEntry(
              "costtrace_model_spend_usd_total{provider=\"openai\",model=\"gpt-4o\"}", 0.007)
          .containsEntry(
              "costtrace_model_spend_usd_total{provider=\"\",model=\"tool:web_search\"}", 0.01)
          .containsEntry("costtrace_tenant_spend_usd_total{tenant=\"acme\"}", 0.01721)
          .containsEntry("costtrace_feature_spend_usd_total{feature=\"support\"}", 0.01721);
    }
    BigDecimal stored =
        fixture.query("SELECT sum(total_cost) AS s FROM {db}.spans").get(0).getBigDecimal("s");
    assertThat(BigDecimal.valueOf(first.get("costtrace_tenant_spend_usd_total{tenant=\"acme\"}")))
        .isEqualByComparingTo(stored);
  }

  @Test
  void aRootInALaterRequestStillLabelsTheSpendBeforeTheTraceIsQuiet() throws Exception {
    String[] traceId = new String[1];
    export(t -> traceId[0] = ConversationSpans.llmOnly(t, "gpt-4o-mini", 1000, 100));
    nanos.addAndGet(Duration.ofSeconds(20).toNanos());
    export(t -> ConversationSpans.rootOf(t, traceId[0], "c2", "globex", "search"));
    nanos.addAndGet(Duration.ofSeconds(20).toNanos()); // 40 s after the LLM span, 20 after the root
    assertThat(fixture.scrape().keySet()).noneMatch(k -> k.contains("spend_usd"));
    nanos.addAndGet(Duration.ofSeconds(11).toNanos());
    assertThat(fixture.scrape())
        .containsEntry("costtrace_tenant_spend_usd_total{tenant=\"globex\"}", 0.00021)
        .containsEntry("costtrace_feature_spend_usd_total{feature=\"search\"}", 0.00021);
  }

  @Test
  void quietConversationsAreObservedOnceFromTheRollups() throws Exception {
    Instant t0 = ConversationSpans.T0; // an hour ago
    export(
        t -> {
          ConversationSpans.turn(
              t, "q1", "u1", "support", "acme", 0, "gpt-4o-mini", 1000, 100, false); // 0.00021
          ConversationSpans.turn(
              t, "q2", "u1", "support", "acme", 0, "gpt-4o", 2000, 200, true); // 0.017
          ConversationSpans.turn(
              t, "q2", "u1", "support", "acme", 60, "gpt-4o", 20000, 20000, false); // 0.25
        });
    fixture.sink.flush();
    ManualClock clock = new ManualClock(t0.minus(10, ChronoUnit.MINUTES));
    try (Client client = fixture.endpoint.newClient("default")) {
      QuietConversations quiet =
          QuietConversations.builder(new ConversationCosts(client, fixture.db))
              .quietAfter(Duration.ofMinutes(30))
              .clock(clock)
              .build();
      clock.set(t0.plus(20, ChronoUnit.MINUTES)); // q1 and q2 ended 20 minutes ago: not quiet yet
      assertThat(quiet.sweep()).isZero();
      clock.set(t0.plus(32, ChronoUnit.MINUTES));
      assertThat(quiet.sweep()).isEqualTo(2);
      assertThat(quiet.sweep()).as("each once").isZero();
      clock.set(Instant.now());
      assertThat(quiet.sweep()).isZero();

      PrometheusText out = new PrometheusText();
      quiet.writeTo(out);
      String text = out.toString();
      assertThat(text)
          .contains("costtrace_quiet_conversation_cost_usd_bucket{le=\"0.001\"} 1\n")
          .contains("costtrace_quiet_conversation_cost_usd_bucket{le=\"0.25\"} 1\n")
          .contains("costtrace_quiet_conversation_cost_usd_bucket{le=\"0.5\"} 2\n")
          .contains("costtrace_quiet_conversation_cost_usd_bucket{le=\"+Inf\"} 2\n")
          .contains("costtrace_quiet_conversation_cost_usd_count 2\n")
          .contains("costtrace_quiet_conversation_cost_usd_sum 0.26721\n")
          .contains("costtrace_quiet_conversation_sweeps_failed_total 0\n");
    }
  }
}
