package dev.costtrace.sink;

import com.clickhouse.client.api.data_formats.RowBinaryFormatWriter;
import java.math.BigDecimal;
import java.time.Instant;

/**
 * Maps a {@link SpanCostRow} onto the columns of the {@code spans} table (and a {@link
 * TraceAttribution} onto {@code trace_attributions}) for client-v2's RowBinary
 * writer. Values are checked as they are set: an amount that does not fit Decimal(38, 12) throws
 * before any byte of the row is written.
 */
public final class SpanRowBinary {
  private SpanRowBinary() {}

  /** Sets every column of {@code spans} for one row; call {@code commitRow()} after. */
  public static void encode(RowBinaryFormatWriter w, SpanCostRow r) {
    w.setString("trace_id", r.traceId());
    w.setString("span_id", r.spanId());
    w.setString("parent_span_id", r.parentSpanId());
    w.setValue("start_time", instant(r.startEpochNanos()));
    w.setValue("end_time", instant(r.endEpochNanos()));
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
    w.setBigDecimal("input_cost", money(r.inputCost()));
    w.setBigDecimal("cache_read_cost", money(r.cacheReadCost()));
    w.setBigDecimal("cache_write_cost", money(r.cacheWriteCost()));
    w.setBigDecimal("output_cost", money(r.outputCost()));
    w.setBigDecimal("reasoning_cost", money(r.reasoningCost()));
    w.setBigDecimal("audio_cost", money(r.audioCost()));
    w.setBigDecimal("request_cost", money(r.requestCost()));
    w.setBigDecimal("tool_cost", money(r.toolCost()));
    w.setBigDecimal("total_cost", money(r.totalCost()));
    w.setValue("provided_cost", r.providedCost() == null ? null : money(r.providedCost()));
    w.setString("pricing_status", r.pricingStatus());
    w.setString("pricing_reason", r.pricingReason());
    w.setString("catalog_version", r.catalogVersion());
    w.setString("price_entry", r.priceEntry());
    w.setLong("time_to_first_token_ns", r.timeToFirstTokenNanos());
    w.setLong("attribution_version", r.attributionVersion());
  }

  /** Sets every column of {@code trace_attributions} for one row; call {@code commitRow()} after. */
  public static void encode(RowBinaryFormatWriter w, TraceAttribution a) {
    w.setString("trace_id", a.traceId());
    w.setString("conversation_id", a.conversationId());
    w.setString("tenant_id", a.tenantId());
    w.setString("user_id", a.userId());
    w.setString("feature", a.feature());
    w.setValue("tags", a.tags());
    w.setValue("observed_at", instant(a.observedAtEpochNanos()));
    w.setLong("version", a.version());
  }

  /** Decimal(38, 12): more fractional digits would be rounded by ClickHouse; more integer digits fail. */
  static BigDecimal money(BigDecimal d) {
    BigDecimal scaled = d.setScale(12, java.math.RoundingMode.HALF_EVEN);
    if (scaled.precision() > 38) {
      throw new ArithmeticException("amount " + d.toPlainString() + " exceeds Decimal(38, 12)");
    }
    return scaled;
  }

  static Instant instant(long epochNanos) {
    return Instant.ofEpochSecond(Math.floorDiv(epochNanos, 1_000_000_000L),
        Math.floorMod(epochNanos, 1_000_000_000L));
  }

}
