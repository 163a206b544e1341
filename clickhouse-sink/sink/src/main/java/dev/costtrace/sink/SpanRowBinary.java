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
 * Encodes {@link SpanCostRow}s as RowBinary rows of the {@code span_rows} table (every column of
 * {@link SpanColumns}, by kind) and {@link SpanAttribution}s of {@code span_attributions}, in the
 * column order ClickHouse describes, with client-v2's own value writers. Why not client-v2's {@code
 * RowBinaryFormatWriter}: it looks every column up by name and turns each of the ten amounts per
 * row into {@code Decimal128} by {@code BigDecimal.pow}, {@code multiply} and {@code toBigInteger}
 * — most of the sink writer's CPU. Here a column's writer is chosen once per schema, and an amount,
 * already at scale 12, is written as its unscaled value: the same bytes ({@code SpanRowBinaryTest}
 * compares them with the row writer's). An amount that does not fit Decimal(38, 12) throws, and the
 * row leaves no byte behind. One instance per thread: it is not synchronised.
 */
public final class SpanRowBinary<T> {
  private static final Fields<SpanCostRow> SPANS = spanFields();

  private static final Fields<SpanAttribution> ATTRIBUTIONS =
      new Fields<SpanAttribution>()
          .string("auth_tenant", SpanAttribution::authTenant)
          .string("trace_id", SpanAttribution::traceId)
          .string("span_id", SpanAttribution::spanId)
          .time("start_time", SpanAttribution::startEpochNanos)
          .string("conversation_id", SpanAttribution::conversationId)
          .string("tenant_id", SpanAttribution::tenantId)
          .string("user_id", SpanAttribution::userId)
          .string("feature", SpanAttribution::feature)
          .other("tags", SpanAttribution::tags)
          .time("observed_at", SpanAttribution::observedAtEpochNanos);

  /** Every column of {@link SpanColumns}, by its kind. */
  private static Fields<SpanCostRow> spanFields() {
    Fields<SpanCostRow> f = new Fields<>();
    for (SpanColumns.Column<?> c : SpanColumns.all()) {
      switch (c.kind()) {
        case STRING -> f.string(c.name(), r -> (String) r.get(c));
        case INTEGER -> f.integer(c.name(), c.derived() ? c::derive : r -> (Long) r.get(c));
        case TIME -> f.time(c.name(), r -> (Long) r.get(c));
        case MONEY, OPTIONAL_MONEY -> f.money(c.name(), r -> (BigDecimal) r.get(c));
        case TAGS -> f.other(c.name(), r -> r.get(c));
        default -> throw new IllegalStateException("no encoder for " + c);
      }
    }
    return f;
  }

  /** Writes one column's value of a row. */
  @FunctionalInterface
  private interface Column<T> {
    void write(GrowableBytes out, T row) throws IOException;
  }

  private final List<Column<T>> columns;

  private SpanRowBinary(List<Column<T>> columns) {
    this.columns = columns;
  }

  /** For the {@code span_rows} table as ClickHouse describes it. */
  public static SpanRowBinary<SpanCostRow> spans(TableSchema schema) {
    return new SpanRowBinary<>(SPANS.columns(schema));
  }

  /** For the {@code span_attributions} table as ClickHouse describes it. */
  public static SpanRowBinary<SpanAttribution> attributions(TableSchema schema) {
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

  /**
   * Decimal(38, 12): more fractional digits would be rounded by ClickHouse; more integer digits
   * fail.
   */
  static BigDecimal money(BigDecimal d) {
    BigDecimal scaled = d.setScale(12, RoundingMode.HALF_EVEN);
    if (scaled.precision() > 38) {
      throw new ArithmeticException("amount " + d.toPlainString() + " exceeds Decimal(38, 12)");
    }
    return scaled;
  }

  static Instant instant(long epochNanos) {
    return Instant.ofEpochSecond(
        Math.floorDiv(epochNanos, 1_000_000_000L), Math.floorMod(epochNanos, 1_000_000_000L));
  }

  /**
   * The value of every column of a row type, by column name, as a direct writer where the column's
   * type is the one expected and through client-v2's general serializer otherwise.
   */
  // BinaryStreamUtils is deprecated in com.clickhouse.data with no public successor for writing
  // RowBinary values; client-v2's own serializer calls it too.
  @SuppressWarnings("deprecation")
  private static final class Fields<T> {
    /** Per column: the value as client-v2's row writer would be given it. */
    private final Map<String, Function<T, Object>> values = new HashMap<>();

    /** Per column: a writer for the expected type, or null when the column has another type. */
    private final Map<String, Function<ClickHouseColumn, Column<T>>> direct = new HashMap<>();

    Fields<T> string(String name, Function<T, String> f) {
      values.put(name, f::apply);
      direct.put(
          name,
          c ->
              c.isNullable() || c.getDataType() != ClickHouseDataType.String
                  ? null
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
      direct.put(
          name,
          c ->
              c.isNullable()
                      || (c.getDataType() != ClickHouseDataType.Int64
                          && c.getDataType() != ClickHouseDataType.UInt64)
                  ? null
                  : (out, r) -> BinaryStreamUtils.writeInt64(out, f.applyAsLong(r)));
      return this;
    }

    /** Epoch nanoseconds into DateTime64(9): the value is the tick count itself. */
    Fields<T> time(String name, ToLongFunction<T> f) {
      values.put(name, r -> instant(f.applyAsLong(r)));
      direct.put(
          name,
          c ->
              c.isNullable()
                      || c.getDataType() != ClickHouseDataType.DateTime64
                      || c.getScale() != 9
                  ? null
                  : (out, r) -> BinaryStreamUtils.writeInt64(out, f.applyAsLong(r)));
      return this;
    }

    /**
     * An amount into Decimal(38, 12), nullable or not: 16 bytes of the unscaled value,
     * little-endian.
     */
    Fields<T> money(String name, Function<T, BigDecimal> f) {
      values.put(
          name,
          r -> {
            BigDecimal d = f.apply(r);
            return d == null ? null : SpanRowBinary.money(d);
          });
      direct.put(
          name,
          c ->
              !isDecimal38Scale12(c)
                  ? null
                  : (out, r) -> {
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
          && c.getPrecision() == 38
          && c.getScale() == 12;
    }

    /** What client-v2's row writer does for one value: null marker if nullable, then the value. */
    private static void general(GrowableBytes out, ClickHouseColumn c, Object value)
        throws IOException {
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
          throw new IllegalStateException(
              "column "
                  + c.getColumnName()
                  + " of "
                  + schema.getTableName()
                  + " has no value in the sink's rows");
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
