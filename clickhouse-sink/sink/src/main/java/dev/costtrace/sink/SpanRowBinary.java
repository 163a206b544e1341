package dev.costtrace.sink;

import com.clickhouse.client.api.data_formats.RowBinaryFormatSerializer;
import com.clickhouse.client.api.data_formats.internal.SerializerUtils;
import com.clickhouse.client.api.metadata.TableSchema;
import com.clickhouse.data.ClickHouseColumn;
import com.clickhouse.data.ClickHouseDataType;
import com.clickhouse.data.format.BinaryStreamUtils;
import dev.costtrace.sink.buffer.GrowableBytes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToLongFunction;

/**
 * Encodes {@link SpanCostRow}s as RowBinary rows of the {@code spans} table (and {@link
 * TraceAttribution}s of {@code trace_attributions}), in the column order ClickHouse describes, with
 * client-v2's own value writers. Why not client-v2's {@code RowBinaryFormatWriter}: it looks every
 * column up by name and turns each of the ten amounts per row into {@code Decimal128} by {@code
 * BigDecimal.pow}, {@code multiply} and {@code toBigInteger} — most of the sink writer's CPU. Here a
 * column's writer is chosen once per schema, and an amount, already at scale 12, is written as its
 * unscaled value: the same bytes ({@code SpanRowBinaryTest} compares them with the row writer's).
 * An amount that does not fit Decimal(38, 12) throws, and the row leaves no byte behind.
 * One instance per thread: it is not synchronised.
 */
public final class SpanRowBinary<T> {
  private static final Fields<SpanCostRow> SPANS = new Fields<SpanCostRow>()
      .string("trace_id", SpanCostRow::traceId)
      .string("span_id", SpanCostRow::spanId)
      .string("parent_span_id", SpanCostRow::parentSpanId)
      .time("start_time", SpanCostRow::startEpochNanos)
      .time("end_time", SpanCostRow::endEpochNanos)
      .integer("duration_ns", SpanCostRow::durationNanos)
      .string("service_name", SpanCostRow::serviceName)
      .string("conversation_id", SpanCostRow::conversationId)
      .string("tenant_id", SpanCostRow::tenantId)
      .string("user_id", SpanCostRow::userId)
      .string("feature", SpanCostRow::feature)
      .other("tags", SpanCostRow::tags)
      .string("provider", SpanCostRow::provider)
      .string("request_model", SpanCostRow::requestModel)
      .string("response_model", SpanCostRow::responseModel)
      .string("operation", SpanCostRow::operation)
      .string("tool_name", SpanCostRow::toolName)
      .string("span_status", SpanCostRow::spanStatus)
      .string("error_type", SpanCostRow::errorType)
      .integer("input_tokens", SpanCostRow::inputTokens)
      .integer("cache_read_tokens", SpanCostRow::cacheReadTokens)
      .integer("cache_write_tokens", SpanCostRow::cacheWriteTokens)
      .integer("cache_write_1h_tokens", SpanCostRow::cacheWrite1hTokens)
      .integer("output_tokens", SpanCostRow::outputTokens)
      .integer("reasoning_tokens", SpanCostRow::reasoningTokens)
      .integer("audio_input_tokens", SpanCostRow::audioInputTokens)
      .integer("audio_output_tokens", SpanCostRow::audioOutputTokens)
      .money("input_cost", SpanCostRow::inputCost)
      .money("cache_read_cost", SpanCostRow::cacheReadCost)
      .money("cache_write_cost", SpanCostRow::cacheWriteCost)
      .money("output_cost", SpanCostRow::outputCost)
      .money("reasoning_cost", SpanCostRow::reasoningCost)
      .money("audio_cost", SpanCostRow::audioCost)
      .money("request_cost", SpanCostRow::requestCost)
      .money("tool_cost", SpanCostRow::toolCost)
      .money("total_cost", SpanCostRow::totalCost)
      .money("provided_cost", SpanCostRow::providedCost)
      .string("pricing_status", SpanCostRow::pricingStatus)
      .string("pricing_reason", SpanCostRow::pricingReason)
      .string("catalog_version", SpanCostRow::catalogVersion)
      .string("price_entry", SpanCostRow::priceEntry)
      .integer("time_to_first_token_ns", SpanCostRow::timeToFirstTokenNanos)
      .integer("attribution_version", SpanCostRow::attributionVersion);

  private static final Fields<TraceAttribution> ATTRIBUTIONS = new Fields<TraceAttribution>()
      .string("trace_id", TraceAttribution::traceId)
      .string("conversation_id", TraceAttribution::conversationId)
      .string("tenant_id", TraceAttribution::tenantId)
      .string("user_id", TraceAttribution::userId)
      .string("feature", TraceAttribution::feature)
      .other("tags", TraceAttribution::tags)
      .time("observed_at", TraceAttribution::observedAtEpochNanos)
      .integer("version", TraceAttribution::version);

  /** Writes one column's value of a row. */
  @FunctionalInterface
  private interface Column<T> {
    void write(GrowableBytes out, T row) throws IOException;
  }

  private final List<Column<T>> columns;

  private SpanRowBinary(List<Column<T>> columns) {
    this.columns = columns;
  }

  /** For the {@code spans} table as ClickHouse describes it. */
  public static SpanRowBinary<SpanCostRow> spans(TableSchema schema) {
    return new SpanRowBinary<>(SPANS.columns(schema));
  }

  /** For the {@code trace_attributions} table as ClickHouse describes it. */
  public static SpanRowBinary<TraceAttribution> attributions(TableSchema schema) {
    return new SpanRowBinary<>(ATTRIBUTIONS.columns(schema));
  }

  /**
   * Appends one row to {@code out}. A value that cannot be encoded (an amount beyond Decimal(38,
   * 12)) throws, and {@code out} is as it was.
   */
  public void append(GrowableBytes out, T row) {
    int mark = out.size();
    try {
      for (Column<T> c : columns) {
        c.write(out, row);
      }
    } catch (IOException e) {
      out.truncate(mark);
      throw new UncheckedIOException("writing to memory failed", e); // GrowableBytes does not throw
    } catch (RuntimeException e) {
      out.truncate(mark);
      throw e;
    }
  }

  /** Decimal(38, 12): more fractional digits would be rounded by ClickHouse; more integer digits fail. */
  static BigDecimal money(BigDecimal d) {
    BigDecimal scaled = d.setScale(12, RoundingMode.HALF_EVEN);
    if (scaled.precision() > 38) {
      throw new ArithmeticException("amount " + d.toPlainString() + " exceeds Decimal(38, 12)");
    }
    return scaled;
  }

  static Instant instant(long epochNanos) {
    return Instant.ofEpochSecond(Math.floorDiv(epochNanos, 1_000_000_000L),
        Math.floorMod(epochNanos, 1_000_000_000L));
  }

  /**
   * The value of every column of a row type, by column name, as a direct writer where the column's
   * type is the one expected and through client-v2's general serializer otherwise.
   */
  private static final class Fields<T> {
    /** Per column: the value as client-v2's row writer would be given it. */
    private final Map<String, Function<T, Object>> values = new HashMap<>();
    /** Per column: a writer for the expected type, or null when the column has another type. */
    private final Map<String, Function<ClickHouseColumn, Column<T>>> direct = new HashMap<>();

    Fields<T> string(String name, Function<T, String> f) {
      values.put(name, f::apply);
      direct.put(name, c -> c.isNullable() || c.getDataType() != ClickHouseDataType.String ? null
          : (out, r) -> {
            String s = f.apply(r);
            if (s == null) {
              general(out, c, null);
            } else {
              BinaryStreamUtils.writeString(out, s);
            }
          });
      return this;
    }

    Fields<T> integer(String name, ToLongFunction<T> f) {
      values.put(name, f::applyAsLong);
      // UInt64 is written as the same eight bytes as Int64 (client-v2 does the same).
      direct.put(name, c -> c.isNullable() || (c.getDataType() != ClickHouseDataType.Int64
          && c.getDataType() != ClickHouseDataType.UInt64) ? null
          : (out, r) -> BinaryStreamUtils.writeInt64(out, f.applyAsLong(r)));
      return this;
    }

    /** Epoch nanoseconds into DateTime64(9): the value is the tick count itself. */
    Fields<T> time(String name, ToLongFunction<T> f) {
      values.put(name, r -> instant(f.applyAsLong(r)));
      direct.put(name, c -> c.isNullable() || c.getDataType() != ClickHouseDataType.DateTime64
          || c.getScale() != 9 ? null
          : (out, r) -> BinaryStreamUtils.writeInt64(out, f.applyAsLong(r)));
      return this;
    }

    /** An amount into Decimal(38, 12), nullable or not: 16 bytes of the unscaled value, little-endian. */
    Fields<T> money(String name, Function<T, BigDecimal> f) {
      values.put(name, r -> {
        BigDecimal d = f.apply(r);
        return d == null ? null : SpanRowBinary.money(d);
      });
      direct.put(name, c -> !isDecimal38Scale12(c) ? null : (out, r) -> {
        BigDecimal d = f.apply(r);
        if (d == null) {
          general(out, c, null);
          return;
        }
        BigDecimal scaled = SpanRowBinary.money(d);
        if (c.isNullable()) {
          BinaryStreamUtils.writeNonNull(out);
        }
        BinaryStreamUtils.writeInt128(out, scaled.unscaledValue());
      });
      return this;
    }

    /** A column written through client-v2's general serializer (maps). */
    Fields<T> other(String name, Function<T, Object> f) {
      values.put(name, f);
      direct.put(name, c -> null);
      return this;
    }

    private static boolean isDecimal38Scale12(ClickHouseColumn c) {
      ClickHouseDataType t = c.getDataType();
      return (t == ClickHouseDataType.Decimal || t == ClickHouseDataType.Decimal128)
          && c.getPrecision() == 38 && c.getScale() == 12;
    }

    /** What client-v2's row writer does for one value: null marker if nullable, then the value. */
    private static void general(GrowableBytes out, ClickHouseColumn c, Object value) throws IOException {
      if (RowBinaryFormatSerializer.writeValuePreamble(out, false, c, value)) {
        SerializerUtils.serializeData(out, value, c);
      }
    }

    List<Column<T>> columns(TableSchema schema) {
      List<Column<T>> out = new ArrayList<>();
      java.util.Set<String> unset = new java.util.HashSet<>(values.keySet());
      for (ClickHouseColumn c : schema.getColumns()) {
        unset.remove(c.getColumnName());
        if (c.hasDefault() && c.getDefaultValue() != ClickHouseColumn.DefaultValue.DEFAULT) {
          continue; // MATERIALIZED, ALIAS, EPHEMERAL: not in RowBinary (as client-v2's row writer)
        }
        Function<T, Object> value = values.get(c.getColumnName());
        if (value == null) {
          throw new IllegalStateException("column " + c.getColumnName() + " of "
              + schema.getTableName() + " has no value in the sink's rows");
        }
        Column<T> fast = direct.get(c.getColumnName()).apply(c);
        out.add(fast != null ? fast : (o, r) -> general(o, c, value.apply(r)));
      }
      if (!unset.isEmpty()) {
        throw new IllegalStateException(schema.getTableName() + " has no column " + unset);
      }
      return List.copyOf(out);
    }
  }
}
