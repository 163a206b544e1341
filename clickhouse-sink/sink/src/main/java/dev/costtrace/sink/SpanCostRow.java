package dev.costtrace.sink;

import static dev.costtrace.sink.SpanColumns.SPAN_ID;
import static dev.costtrace.sink.SpanColumns.TRACE_ID;

import java.math.BigDecimal;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;

/**
 * One priced span, as the sink stores it: a value for every column of {@link SpanColumns}, read
 * with {@link #get}. Built with {@link #builder()}; a column not set has its default (empty
 * strings, zero numbers and amounts, no provided cost, time to first token -1).
 *
 * <p>A span is identified by {@code (auth_tenant, trace_id, span_id)}; of several rows of one span
 * the one with the highest {@code row_version} wins.
 */
public final class SpanCostRow {
  private final Object[] values;

  private SpanCostRow(Object[] values) {
    this.values = values;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this row's values, to derive a changed copy. */
  public Builder toBuilder() {
    return new Builder(values.clone());
  }

  /** The value of a column (derived columns, such as the duration, are computed). */
  @SuppressWarnings("unchecked")
  public <T> T get(SpanColumns.Column<T> column) {
    if (column.derived()) {
      return (T) Long.valueOf(column.derive(this));
    }
    return (T) values[column.index()];
  }

  /** Shortcut for {@code get(TRACE_ID)}. */
  public String traceId() {
    return (String) values[TRACE_ID.index()];
  }

  /** Shortcut for {@code get(SPAN_ID)}. */
  public String spanId() {
    return (String) values[SPAN_ID.index()];
  }

  /** Shortcut for {@code get(AUTH_TENANT)}. */
  public String authTenant() {
    return get(SpanColumns.AUTH_TENANT);
  }

  /** Shortcut for {@code get(START_TIME)}: Unix epoch nanoseconds. */
  public long startEpochNanos() {
    return get(SpanColumns.START_TIME);
  }

  /** Shortcut for {@code get(TOTAL_COST)}. */
  public BigDecimal totalCost() {
    return get(SpanColumns.TOTAL_COST);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof SpanCostRow other && Arrays.equals(values, other.values);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(values);
  }

  @Override
  public String toString() {
    return "SpanCostRow{"
        + traceId()
        + "/"
        + spanId()
        + " "
        + get(SpanColumns.RESPONSE_MODEL)
        + " "
        + totalCost()
        + " "
        + get(SpanColumns.PRICING_STATUS)
        + "}";
  }

  /** Builder for {@link SpanCostRow}; the defaults are the columns'. */
  public static final class Builder {
    private final Object[] values;

    private Builder() {
      values = new Object[SpanColumns.all().size()];
      for (SpanColumns.Column<?> c : SpanColumns.all()) {
        values[c.index()] = c.defaultValue();
      }
    }

    private Builder(Object[] values) {
      this.values = values;
    }

    /**
     * Sets a column. Null means the default, except for a nullable column (the provided cost),
     * where it means none.
     *
     * @throws IllegalArgumentException for a derived column
     */
    public <T> Builder set(SpanColumns.Column<T> column, T value) {
      if (column.derived()) {
        throw new IllegalArgumentException(column.name() + " is derived from other columns");
      }
      Object v = value;
      if (v == null && column.kind() != SpanColumns.Kind.OPTIONAL_MONEY) {
        v = column.defaultValue();
      } else if (v instanceof Map<?, ?> m) {
        v = Map.copyOf(m);
      }
      values[column.index()] = v;
      return this;
    }

    /** Shortcut for {@code set(TRACE_ID, id)}. */
    public Builder traceId(String id) {
      return set(TRACE_ID, id);
    }

    /** Shortcut for {@code set(SPAN_ID, id)}. */
    public Builder spanId(String id) {
      return set(SPAN_ID, id);
    }

    public SpanCostRow build() {
      String trace = (String) values[TRACE_ID.index()];
      String span = (String) values[SPAN_ID.index()];
      if (trace.length() != 32) {
        throw new IllegalArgumentException("traceId must be 32 hex characters: " + trace);
      }
      if (span.length() != 16) {
        throw new IllegalArgumentException("spanId must be 16 hex characters: " + span);
      }
      Objects.requireNonNull(values[SpanColumns.TOTAL_COST.index()], "total_cost");
      return new SpanCostRow(values.clone());
    }
  }
}
