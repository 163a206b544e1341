package dev.costtrace.receiver.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.costtrace.sink.SpanAttribution;
import dev.costtrace.sink.SpanColumns;
import dev.costtrace.sink.SpanCostRow;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class SpendMetricsTest {
  final AtomicLong nanos = new AtomicLong();

  /** A priced call; trace and span are short names, padded to hex IDs. */
  static SpanCostRow row(String trace, String span, String model, String tenant, String cost) {
    return SpanCostRow.builder()
        .traceId(hex(trace, 32))
        .spanId(hex(span, 16))
        .set(SpanColumns.PROVIDER, "openai")
        .set(SpanColumns.REQUEST_MODEL, model)
        .set(SpanColumns.RESPONSE_MODEL, model)
        .set(SpanColumns.OPERATION, "chat")
        .set(SpanColumns.TENANT_ID, tenant)
        .set(SpanColumns.TOTAL_COST, new BigDecimal(cost))
        .set(SpanColumns.PRICING_STATUS, "PRICED")
        .build();
  }

  static String hex(String name, int length) {
    String h =
        java.util.HexFormat.of().formatHex(name.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return "0".repeat(length - h.length()) + h;
  }

  static String text(SpendMetrics m) {
    PrometheusText out = new PrometheusText();
    m.writeTo(out);
    return out.toString();
  }

  @Test
  void aTracesSpendWaitsForItsAttributionThenCountsOnce() {
    SpendMetrics m =
        SpendMetrics.builder().window(Duration.ofSeconds(30)).nanoTime(nanos::get).build();
    m.accepted(
        List.of(row("t1", "s1", "gpt-4o", "", "0.1"), row("t1", "s2", "gpt-4o", "", "0.2")),
        List.of());
    nanos.addAndGet(Duration.ofSeconds(29).toNanos());
    m.accepted(
        List.of(),
        List.of(
            new SpanAttribution(
                "", hex("t1", 32), hex("s1", 16), 0, "c1", "acme", "u1", "chat", Map.of(), 1)));
    nanos.addAndGet(Duration.ofSeconds(29).toNanos());
    assertThat(text(m)).doesNotContain("spend");
    nanos.addAndGet(Duration.ofSeconds(2).toNanos());
    assertThat(text(m))
        .contains("costtrace_model_spend_usd_total{provider=\"openai\",model=\"gpt-4o\"} 0.3\n")
        .contains("costtrace_tenant_spend_usd_total{tenant=\"acme\"} 0.3\n")
        .contains("costtrace_feature_spend_usd_total{feature=\"chat\"} 0.3\n");
    assertThat(text(m)).as("counted once").contains("{tenant=\"acme\"} 0.3\n");
  }

  @Test
  void aSpanThatKnowsItsTenantAndFeatureCountsAtOnce() {
    SpendMetrics m =
        SpendMetrics.builder().window(Duration.ofSeconds(30)).nanoTime(nanos::get).build();
    SpanCostRow attributed =
        SpanCostRow.builder()
            .traceId(hex("t9", 32))
            .spanId(hex("s9", 16))
            .set(SpanColumns.PROVIDER, "openai")
            .set(SpanColumns.REQUEST_MODEL, "gpt-4o-mini")
            .set(SpanColumns.OPERATION, "chat")
            .set(SpanColumns.TENANT_ID, "globex")
            .set(SpanColumns.FEATURE, "search")
            .set(SpanColumns.TOTAL_COST, new BigDecimal("0.25"))
            .set(SpanColumns.PRICING_STATUS, "PRICED")
            .build();
    m.accepted(List.of(attributed), List.of());
    assertThat(text(m))
        .contains(
            "{tenant=\"globex\"} 0.25\n",
            "{feature=\"search\"} 0.25\n",
            "{provider=\"openai\",model=\"gpt-4o-mini\"} 0.25\n");
  }

  @Test
  void labelValuesAreCappedAndCut() {
    SpendMetrics m =
        SpendMetrics.builder().window(Duration.ZERO).maxLabelValues(2).nanoTime(nanos::get).build();
    String longTenant = "t".repeat(300);
    m.accepted(
        List.of(
            row("a", "1", "m1", "x", "1"),
            row("b", "2", "m2", "y", "1"),
            row("c", "3", "m3", "z", "1"),
            row("d", "4", "m4", longTenant, "1")),
        List.of());
    String t = text(m);
    assertThat(t)
        .contains("{tenant=\"x\"} 1\n", "{tenant=\"y\"} 1\n", "{tenant=\"other\"} 2\n")
        .contains(
            "{provider=\"openai\",model=\"m1\"} 1\n",
            "{provider=\"openai\",model=\"m2\"} 1\n",
            "{provider=\"\",model=\"other\"} 2\n")
        .contains("{feature=\"unattributed\"} 4\n")
        .doesNotContain("model=\"m3\"", "tenant=\"z\"");
    SpendMetrics wide = SpendMetrics.builder().window(Duration.ZERO).nanoTime(nanos::get).build();
    wide.accepted(List.of(row("d", "4", "m4", longTenant, "1")), List.of());
    assertThat(text(wide))
        .contains("{tenant=\"" + "t".repeat(SpendMetrics.MAX_LABEL_LENGTH) + "\"} 1\n");
  }

  @Test
  void pastThePendingBoundTheOldestCountsEarly() {
    SpendMetrics m = SpendMetrics.builder().maxPendingTraces(2).nanoTime(nanos::get).build();
    m.accepted(
        List.of(
            row("a", "1", "m", "x", "1"),
            row("b", "2", "m", "x", "1"),
            row("c", "3", "m", "x", "1")),
        List.of());
    assertThat(text(m)).contains("{tenant=\"x\"} 1\n");
    m.settleAll();
    assertThat(text(m)).contains("{tenant=\"x\"} 3\n");
  }

  @Test
  void builderRefusesNonsense() {
    assertThatThrownBy(() -> SpendMetrics.builder().maxLabelValues(0))
        .hasMessage("maxLabelValues must be positive");
    assertThatThrownBy(() -> SpendMetrics.builder().window(Duration.ofSeconds(-1)))
        .hasMessage("window must be non-negative");
    assertThatThrownBy(() -> SpendMetrics.builder().maxPendingTraces(0))
        .hasMessage("maxPendingTraces must be positive");
  }
}
