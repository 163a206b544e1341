package dev.costtrace.sink;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.ToLongFunction;

/**
 * The columns of a span row, in one place: their names, ClickHouse types and defaults, in table
 * order. {@link SpanCostRow} holds its values by these columns, {@link
 * dev.costtrace.sink.buffer.RowCodec} writes them to the buffer by name, {@link SpanRowBinary}
 * encodes them for ClickHouse by kind, and {@code SpanColumnsTest} compares them with the {@code
 * span_rows} table the migrations create. Adding a column is one line here plus a migration that
 * adds it to {@code span_rows}.
 *
 * <p>Token classes are disjoint (no token is counted in two classes); amounts are USD, exact, at
 * most 12 fractional digits ({@code Decimal(38, 12)}).
 */
public final class SpanColumns {
  /** How a column's value is held in Java and written for ClickHouse. */
  public enum Kind {
    /** {@code String}, never null (empty when unknown). */
    STRING,
    /** A {@code long} ({@code Int64} or {@code UInt64}). */
    INTEGER,
    /** Unix epoch nanoseconds ({@code DateTime64(9, 'UTC')}). */
    TIME,
    /** A {@code BigDecimal} ({@code Decimal(38, 12)}), never null. */
    MONEY,
    /** A {@code BigDecimal} or null ({@code Nullable(Decimal(38, 12))}). */
    OPTIONAL_MONEY,
    /** A {@code Map<String, String>}, never null. */
    TAGS
  }

  /**
   * One column.
   *
   * @param <T> the Java type of its value
   */
  public static final class Column<T> {
    private final String name;
    private final String type;
    private final Kind kind;
    private final T defaultValue;
    private final int index;
    private final ToLongFunction<SpanCostRow> derivation;

    private Column(
        String name,
        String type,
        Kind kind,
        T defaultValue,
        ToLongFunction<SpanCostRow> derivation) {
      this.name = name;
      this.type = type;
      this.kind = kind;
      this.defaultValue = defaultValue;
      this.derivation = derivation;
      this.index = ALL.size();
      ALL.add(this);
    }

    /** The ClickHouse column name. */
    public String name() {
      return name;
    }

    /** The ClickHouse type, as {@code DESCRIBE TABLE span_rows} shows it. */
    public String type() {
      return type;
    }

    public Kind kind() {
      return kind;
    }

    /** The value of a row that does not set this column. */
    public T defaultValue() {
      return defaultValue;
    }

    /** Its place in {@link #all()}, and in a row's values. */
    int index() {
      return index;
    }

    /** True for a column computed from others (not set, not stored in the buffer). */
    public boolean derived() {
      return derivation != null;
    }

    long derive(SpanCostRow row) {
      return derivation.applyAsLong(row);
    }

    @Override
    public String toString() {
      return name + " " + type;
    }
  }

  private static final List<Column<?>> ALL = new ArrayList<>();
  private static final String LOW_CARDINALITY = "LowCardinality(String)";
  private static final String DECIMAL = "Decimal(38, 12)";

  /** 32 lowercase hex characters. */
  public static final Column<String> TRACE_ID = string("trace_id", "String");

  /** 16 lowercase hex characters. */
  public static final Column<String> SPAN_ID = string("span_id", "String");

  /**
   * The tenant of the export's bearer token; empty with auth off. Part of every key, so that one
   * tenant's spans can neither replace nor hide another's with the same IDs.
   */
  public static final Column<String> AUTH_TENANT = string("auth_tenant", LOW_CARDINALITY);

  /** 16 lowercase hex characters, empty for a root span. */
  public static final Column<String> PARENT_SPAN_ID = string("parent_span_id", "String");

  public static final Column<Long> START_TIME = time("start_time");
  public static final Column<Long> END_TIME = time("end_time");
  public static final Column<Long> DURATION_NS =
      new Column<>(
          "duration_ns",
          "Int64",
          Kind.INTEGER,
          0L,
          r -> r.get(SpanColumns.END_TIME) - r.get(SpanColumns.START_TIME));

  /** Resource {@code service.name}. */
  public static final Column<String> SERVICE_NAME = string("service_name", LOW_CARDINALITY);

  /**
   * Attribution as the receiver knew it when it took the span (the span's own, filled in from its
   * trace's earlier spans); what the rollups use is resolved from {@code span_attributions}.
   */
  public static final Column<String> CONVERSATION_ID = string("conversation_id", "String");

  public static final Column<String> TENANT_ID = string("tenant_id", LOW_CARDINALITY);
  public static final Column<String> USER_ID = string("user_id", "String");
  public static final Column<String> FEATURE = string("feature", LOW_CARDINALITY);
  public static final Column<Map<String, String>> TAGS =
      new Column<>("tags", "Map(LowCardinality(String), String)", Kind.TAGS, Map.of(), null);

  /** Normalised provider, e.g. openai, anthropic, aws_bedrock. */
  public static final Column<String> PROVIDER = string("provider", LOW_CARDINALITY);

  public static final Column<String> REQUEST_MODEL = string("request_model", LOW_CARDINALITY);
  public static final Column<String> RESPONSE_MODEL = string("response_model", LOW_CARDINALITY);

  /** {@code gen_ai.operation.name}: chat, text_completion, embeddings, execute_tool, .... */
  public static final Column<String> OPERATION = string("operation", LOW_CARDINALITY);

  public static final Column<String> TOOL_NAME = string("tool_name", LOW_CARDINALITY);

  /** OTLP status: UNSET, OK or ERROR. */
  public static final Column<String> SPAN_STATUS =
      new Column<>("span_status", LOW_CARDINALITY, Kind.STRING, "UNSET", null);

  public static final Column<String> ERROR_TYPE = string("error_type", LOW_CARDINALITY);

  /** Uncached input tokens. */
  public static final Column<Long> INPUT_TOKENS = tokens("input_tokens");

  public static final Column<Long> CACHE_READ_TOKENS = tokens("cache_read_tokens");

  /** Input tokens written to cache, all TTLs (including the 1-hour ones). */
  public static final Column<Long> CACHE_WRITE_TOKENS = tokens("cache_write_tokens");

  public static final Column<Long> CACHE_WRITE_1H_TOKENS = tokens("cache_write_1h_tokens");

  /** Visible output tokens (reasoning excluded). */
  public static final Column<Long> OUTPUT_TOKENS = tokens("output_tokens");

  public static final Column<Long> REASONING_TOKENS = tokens("reasoning_tokens");
  public static final Column<Long> AUDIO_INPUT_TOKENS = tokens("audio_input_tokens");
  public static final Column<Long> AUDIO_OUTPUT_TOKENS = tokens("audio_output_tokens");
  public static final Column<BigDecimal> INPUT_COST = money("input_cost");
  public static final Column<BigDecimal> CACHE_READ_COST = money("cache_read_cost");
  public static final Column<BigDecimal> CACHE_WRITE_COST = money("cache_write_cost");
  public static final Column<BigDecimal> OUTPUT_COST = money("output_cost");
  public static final Column<BigDecimal> REASONING_COST = money("reasoning_cost");
  public static final Column<BigDecimal> AUDIO_COST = money("audio_cost");

  /** Per-request fees. */
  public static final Column<BigDecimal> REQUEST_COST = money("request_cost");

  public static final Column<BigDecimal> TOOL_COST = money("tool_cost");

  /** The sum of the components. */
  public static final Column<BigDecimal> TOTAL_COST = money("total_cost");

  /** What the span itself said it cost ({@code gen_ai.usage.cost}, ...); null when nothing. */
  public static final Column<BigDecimal> PROVIDED_COST =
      new Column<>("provided_cost", "Nullable(" + DECIMAL + ")", Kind.OPTIONAL_MONEY, null, null);

  /** PRICED, UNKNOWN_MODEL, NO_USAGE, PARTIAL or UNREGISTERED_TOOL. */
  public static final Column<String> PRICING_STATUS = string("pricing_status", LOW_CARDINALITY);

  public static final Column<String> PRICING_REASON = string("pricing_reason", "String");
  public static final Column<String> CATALOG_VERSION = string("catalog_version", LOW_CARDINALITY);

  /** The catalog entry used, e.g. openai/gpt-4o. */
  public static final Column<String> PRICE_ENTRY = string("price_entry", LOW_CARDINALITY);

  /** -1 when unknown. */
  public static final Column<Long> TIME_TO_FIRST_TOKEN_NS =
      new Column<>("time_to_first_token_ns", "Int64", Kind.INTEGER, -1L, null);

  /**
   * The row's version: of the rows of one span (same key), the highest wins in {@code spans} and in
   * every rollup. The receiver writes 0; a repricing writes a higher one: the server's clock (Unix
   * epoch nanoseconds) when it wrote the row.
   */
  public static final Column<Long> ROW_VERSION =
      new Column<>("row_version", "UInt64", Kind.INTEGER, 0L, null);

  /**
   * The service tier the call ran on ({@code batch}, {@code flex}, {@code priority}, ...), empty
   * for standard or unknown: repricing applies the tier's prices again.
   */
  public static final Column<String> SERVICE_TIER = string("service_tier", LOW_CARDINALITY);

  /**
   * Audit of a repricing: the total this span had before the repricing that wrote this row; null
   * for a row as the receiver wrote it (never repriced).
   */
  public static final Column<BigDecimal> PREVIOUS_TOTAL_COST =
      new Column<>(
          "previous_total_cost", "Nullable(" + DECIMAL + ")", Kind.OPTIONAL_MONEY, null, null);

  /**
   * Audit of a repricing: the catalog version of the row it replaced; empty when never repriced.
   */
  public static final Column<String> PREVIOUS_CATALOG_VERSION =
      string("previous_catalog_version", LOW_CARDINALITY);

  /**
   * How many spans this one stands for under trace sampling (issue 19): 1 when it was counted (kept
   * by the CostTrace agent whatever its trace's sampler decided, or from an emitter that does not
   * say it samples by probability); 1/p for a span its emitter sampled with probability p and said
   * so. Not money, but exact decimal like it (1/p is rarely a finite decimal: 12 places). Totals of
   * {@link #TOTAL_COST} are counted money; an estimate weighs by this and is shown apart.
   */
  public static final Column<BigDecimal> ADJUSTED_COUNT =
      new Column<>("adjusted_count", DECIMAL, Kind.MONEY, BigDecimal.ONE.setScale(12), null);

  private static final List<Column<?>> COLUMNS = Collections.unmodifiableList(ALL);

  private SpanColumns() {}

  /** Every column, in table order. */
  public static List<Column<?>> all() {
    return COLUMNS;
  }

  private static Column<String> string(String name, String type) {
    return new Column<>(name, type, Kind.STRING, "", null);
  }

  private static Column<Long> time(String name) {
    return new Column<>(name, "DateTime64(9, 'UTC')", Kind.TIME, 0L, null);
  }

  private static Column<Long> tokens(String name) {
    return new Column<>(name, "UInt64", Kind.INTEGER, 0L, null);
  }

  private static Column<BigDecimal> money(String name) {
    return new Column<>(name, DECIMAL, Kind.MONEY, BigDecimal.ZERO, null);
  }
}
