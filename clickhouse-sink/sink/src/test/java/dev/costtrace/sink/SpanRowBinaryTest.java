package dev.costtrace.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.data_formats.RowBinaryFormatWriter;
import com.clickhouse.client.api.metadata.TableSchema;
import com.clickhouse.data.ClickHouseFormat;
import dev.costtrace.sink.buffer.GrowableBytes;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.testing.TestClickHouse;
import dev.costtrace.sink.schema.Migrator;
import dev.costtrace.sink.schema.SchemaOptions;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The direct encoder against client-v2's own RowBinary row writer, on the tables as the real engine
 * describes them after the migrations: byte for byte, over random rows with every column varied.
 */
class SpanRowBinaryTest {
  private static TableSchema spans;
  private static TableSchema attributions;

  @BeforeAll
  static void schema() {
    ClickHouseEndpoint e = TestClickHouse.shared();
    String db = TestClickHouse.newDatabase("rowbinary");
    try (Client c = e.newClient("default")) {
      new Migrator(c, new SchemaOptions(db, "", Duration.ZERO)).up();
      spans = c.getTableSchema("spans", db);
      attributions = c.getTableSchema("trace_attributions", db);
    }
  }

  private static final String[] TEXT = {"", "gpt-4o", "claude-sonnet-4-5", "ünïcödé ✓ 漢字", "x".repeat(300)};

  private static String text(Random r) {
    return TEXT[r.nextInt(TEXT.length)];
  }

  private static String hex(Random r, int bytes) {
    byte[] b = new byte[bytes];
    r.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /** Amounts of every shape: zero, tiny, 12 and more fractional digits (rounded), large, negative. */
  private static BigDecimal amount(Random r) {
    switch (r.nextInt(7)) {
      case 0:
        return BigDecimal.ZERO;
      case 1:
        return new BigDecimal(r.nextInt(1_000_000)).movePointLeft(12);
      case 2:
        return new BigDecimal(r.nextLong()).abs().movePointLeft(r.nextInt(20)); // > 12 digits: rounded
      case 3:
        return new BigDecimal("99999999999999999999999999.999999999999"); // 38 digits, the maximum
      case 4:
        return new BigDecimal(r.nextInt(1_000_000)).movePointLeft(6).negate();
      case 5:
        return new BigDecimal("0.0000000000005"); // half: rounds to even
      default:
        return new BigDecimal(r.nextInt(100_000)).movePointLeft(4);
    }
  }

  private static SpanCostRow row(Random r) {
    long start = 1_767_225_600_000_000_000L + r.nextLong() % 1_000_000_000_000_000L;
    return SpanCostRow.builder().traceId(hex(r, 16)).spanId(hex(r, 8)).parentSpanId(r.nextBoolean() ? "" : hex(r, 8))
        .startEpochNanos(start).endEpochNanos(start + r.nextInt(1_000_000_000))
        .serviceName(text(r)).conversationId(text(r)).tenantId(text(r)).userId(text(r)).feature(text(r))
        .tags(r.nextBoolean() ? Map.of() : Map.of("team", text(r), "env", "prod"))
        .provider(text(r)).requestModel(text(r)).responseModel(text(r)).operation(text(r)).toolName(text(r))
        .spanStatus(text(r)).errorType(text(r))
        .inputTokens(r.nextInt(200_000)).cacheReadTokens(r.nextInt(100_000)).cacheWriteTokens(r.nextInt(1000))
        .cacheWrite1hTokens(r.nextInt(1000)).outputTokens(r.nextInt(10_000)).reasoningTokens(r.nextInt(10_000))
        .audioInputTokens(r.nextInt(100)).audioOutputTokens(Long.MAX_VALUE / (1 + r.nextInt(1000)))
        .inputCost(amount(r)).cacheReadCost(amount(r)).cacheWriteCost(amount(r)).outputCost(amount(r))
        .reasoningCost(amount(r)).audioCost(amount(r)).requestCost(amount(r)).toolCost(amount(r))
        .totalCost(amount(r)).providedCost(r.nextBoolean() ? null : amount(r))
        .pricingStatus(text(r)).pricingReason(text(r)).catalogVersion(text(r)).priceEntry(text(r))
        .timeToFirstTokenNanos(r.nextInt(5) == 0 ? -1 : r.nextInt(1_000_000_000)).attributionVersion(r.nextInt(10))
        .build();
  }

  /** Client-v2's row writer, every column set by name, as the sink wrote its rows before. */
  private static void reference(RowBinaryFormatWriter w, SpanCostRow r) {
    w.setString("trace_id", r.traceId());
    w.setString("span_id", r.spanId());
    w.setString("parent_span_id", r.parentSpanId());
    w.setValue("start_time", SpanRowBinary.instant(r.startEpochNanos()));
    w.setValue("end_time", SpanRowBinary.instant(r.endEpochNanos()));
    w.setLong("duration_ns", r.durationNanos());
    w.setString("service_name", r.serviceName());
    w.setString("conversation_id", r.conversationId());
    w.setString("tenant_id", r.tenantId());
    w.setString("user_id", r.userId());
    w.setString("feature", r.feature());
    w.setValue("tags", r.tags());
    w.setString("provider", r.provider());
    w.setString("request_model", r.requestModel());
    w.setString("response_model", r.responseModel());
    w.setString("operation", r.operation());
    w.setString("tool_name", r.toolName());
    w.setString("span_status", r.spanStatus());
    w.setString("error_type", r.errorType());
    w.setLong("input_tokens", r.inputTokens());
    w.setLong("cache_read_tokens", r.cacheReadTokens());
    w.setLong("cache_write_tokens", r.cacheWriteTokens());
    w.setLong("cache_write_1h_tokens", r.cacheWrite1hTokens());
    w.setLong("output_tokens", r.outputTokens());
    w.setLong("reasoning_tokens", r.reasoningTokens());
    w.setLong("audio_input_tokens", r.audioInputTokens());
    w.setLong("audio_output_tokens", r.audioOutputTokens());
    w.setBigDecimal("input_cost", SpanRowBinary.money(r.inputCost()));
    w.setBigDecimal("cache_read_cost", SpanRowBinary.money(r.cacheReadCost()));
    w.setBigDecimal("cache_write_cost", SpanRowBinary.money(r.cacheWriteCost()));
    w.setBigDecimal("output_cost", SpanRowBinary.money(r.outputCost()));
    w.setBigDecimal("reasoning_cost", SpanRowBinary.money(r.reasoningCost()));
    w.setBigDecimal("audio_cost", SpanRowBinary.money(r.audioCost()));
    w.setBigDecimal("request_cost", SpanRowBinary.money(r.requestCost()));
    w.setBigDecimal("tool_cost", SpanRowBinary.money(r.toolCost()));
    w.setBigDecimal("total_cost", SpanRowBinary.money(r.totalCost()));
    w.setValue("provided_cost", r.providedCost() == null ? null : SpanRowBinary.money(r.providedCost()));
    w.setString("pricing_status", r.pricingStatus());
    w.setString("pricing_reason", r.pricingReason());
    w.setString("catalog_version", r.catalogVersion());
    w.setString("price_entry", r.priceEntry());
    w.setLong("time_to_first_token_ns", r.timeToFirstTokenNanos());
    w.setLong("attribution_version", r.attributionVersion());
  }

  @Test
  void spanRowsAreTheBytesOfClientV2sRowWriter() throws Exception {
    Random r = new Random(42);
    SpanRowBinary<SpanCostRow> encoder = SpanRowBinary.spans(spans);
    GrowableBytes direct = new GrowableBytes(1024);
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    RowBinaryFormatWriter w = new RowBinaryFormatWriter(expected, spans, ClickHouseFormat.RowBinary);
    for (int i = 0; i < 5_000; i++) {
      SpanCostRow row = row(r);
      encoder.append(direct, row);
      reference(w, row);
      w.commitRow();
      assertThat(direct.toByteArray()).as("row %d: %s", i, row).isEqualTo(expected.toByteArray());
    }
  }

  @Test
  void attributionRowsAreTheBytesOfClientV2sRowWriter() throws Exception {
    Random r = new Random(7);
    SpanRowBinary<TraceAttribution> encoder = SpanRowBinary.attributions(attributions);
    GrowableBytes direct = new GrowableBytes(16);
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    RowBinaryFormatWriter w = new RowBinaryFormatWriter(expected, attributions, ClickHouseFormat.RowBinary);
    for (int i = 0; i < 1_000; i++) {
      TraceAttribution a = new TraceAttribution(hex(r, 16), text(r), text(r), text(r), text(r),
          r.nextBoolean() ? Map.of() : Map.of("team", text(r)), r.nextLong() >>> 2, r.nextInt(5));
      encoder.append(direct, a);
      w.setString("trace_id", a.traceId());
      w.setString("conversation_id", a.conversationId());
      w.setString("tenant_id", a.tenantId());
      w.setString("user_id", a.userId());
      w.setString("feature", a.feature());
      w.setValue("tags", a.tags());
      w.setValue("observed_at", SpanRowBinary.instant(a.observedAtEpochNanos()));
      w.setLong("version", a.version());
      w.commitRow();
    }
    assertThat(direct.toByteArray()).isEqualTo(expected.toByteArray());
  }

  @Test
  void anAmountBeyondDecimal38Scale12FailsAndLeavesNoByte() {
    SpanRowBinary<SpanCostRow> encoder = SpanRowBinary.spans(spans);
    GrowableBytes out = new GrowableBytes(16);
    SpanCostRow ok = row(new Random(1));
    encoder.append(out, ok);
    byte[] before = out.toByteArray();
    SpanCostRow huge = ok.toBuilder().toolCost(new BigDecimal("1e27")).build(); // 28 integer digits
    assertThatThrownBy(() -> encoder.append(out, huge)).isInstanceOf(ArithmeticException.class)
        .hasMessageContaining("exceeds Decimal(38, 12)");
    assertThat(out.toByteArray()).isEqualTo(before);
  }

  @Test
  void aSchemaWithoutAColumnTheRowsCarryIsRefused() {
    TableSchema missing = new TableSchema("spans", "", "db",
        spans.getColumns().stream().filter(c -> !c.getColumnName().equals("total_cost")).toList());
    assertThatThrownBy(() -> SpanRowBinary.spans(missing)).hasMessageContaining("total_cost");
  }
}
