package dev.costtrace.sink.report;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import dev.costtrace.sink.schema.SqlTemplate;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The numbers a user comes for: the top-N rows by cost for a grouping, and the p50/p95/p99 of cost
 * per conversation, over traces that started within a window. The queries are the {@code .sql}
 * files beside this class; they read the exact views ({@code trace_rollup}, {@code llm_calls}).
 */
public final class CostReport {
  /** What rows are grouped by. */
  public enum By {
    CONVERSATION("conversation_id"),
    TRACE("trace_id"),
    MODEL("model"),
    TENANT("tenant_id"),
    FEATURE("feature");

    final String column;

    By(String column) {
      this.column = column;
    }

    public String column() {
      return column;
    }
  }

  /** One row of the report: {@code infraUsd} is the part of the total that is infrastructure. */
  public record Row(
      String key,
      BigDecimal totalUsd,
      BigDecimal infraUsd,
      long turns,
      long llmCalls,
      long toolCalls,
      long inputTokens,
      long outputTokens,
      String models) {}

  /**
   * The report; {@code totalUsd} is the conversations' total, {@code infraUsd} its infrastructure
   * part. Every amount is counted money (each stored call once) except {@link Sampling}'s estimate,
   * which is apart.
   */
  public record Result(
      By by,
      List<Row> rows,
      BigDecimal p50,
      BigDecimal p95,
      BigDecimal p99,
      long conversations,
      BigDecimal totalUsd,
      BigDecimal infraUsd,
      Sampling sampling) {}

  /**
   * Money under probability sampling (issue 19), apart from counted money: {@code sampledCalls}
   * calls in the window were sampled by an emitter that said so (adjusted count above 1); {@code
   * countedUsd} is the window's calls each counted once, {@code estimatedUsd} the same calls each
   * weighed by its adjusted count, an estimate. Equal when nothing was sampled.
   */
  public record Sampling(long sampledCalls, BigDecimal countedUsd, BigDecimal estimatedUsd) {
    /** Whether any call stands for more than itself, i.e. whether there is an estimate to show. */
    public boolean estimated() {
      return sampledCalls > 0;
    }
  }

  private static final SqlTemplate TOP_MODELS =
      SqlTemplate.load(CostReport.class, "top_models.sql");
  private static final SqlTemplate TOP_GROUPS =
      SqlTemplate.load(CostReport.class, "top_groups.sql");
  private static final SqlTemplate COST_PER_CONVERSATION =
      SqlTemplate.load(CostReport.class, "cost_per_conversation.sql");
  private static final SqlTemplate ESTIMATED_TOTAL =
      SqlTemplate.load(CostReport.class, "estimated_total.sql");

  private final Client client;
  private final String database;

  public CostReport(Client client, String database) {
    this.client = client;
    this.database = database;
  }

  public Result run(By by, int top, Duration since) {
    if (top < 1) {
      throw new IllegalArgumentException("top must be positive");
    }
    String seconds = Long.toString(since.toSeconds());
    String sql =
        by == By.MODEL
            ? TOP_MODELS.render("db", database, "seconds", seconds, "top", Integer.toString(top))
            : TOP_GROUPS.render(
                "db",
                database,
                "key",
                by.column,
                "seconds",
                seconds,
                "key_filter",
                by == By.TRACE ? "" : "AND " + by.column + " != ''",
                "top",
                Integer.toString(top));
    List<Row> rows = new ArrayList<>();
    for (GenericRecord r : client.queryAll(sql)) {
      rows.add(
          new Row(
              r.getString("key"),
              r.getBigDecimal("total"),
              r.getBigDecimal("infra"),
              r.getLong("turns"),
              r.getLong("llm"),
              r.getLong("tools"),
              r.getLong("tin"),
              r.getLong("tout"),
              r.getString("models")));
    }
    GenericRecord q =
        client.queryAll(COST_PER_CONVERSATION.render("db", database, "seconds", seconds)).get(0);
    long n = q.getLong("n");
    GenericRecord s =
        client.queryAll(ESTIMATED_TOTAL.render("db", database, "seconds", seconds)).get(0);
    Sampling sampling =
        new Sampling(
            s.getLong("sampled_calls"), s.getBigDecimal("counted"), s.getBigDecimal("estimated"));
    return new Result(
        by,
        rows,
        n == 0 ? BigDecimal.ZERO : q.getBigDecimal("p50"),
        n == 0 ? BigDecimal.ZERO : q.getBigDecimal("p95"),
        n == 0 ? BigDecimal.ZERO : q.getBigDecimal("p99"),
        n,
        n == 0 ? BigDecimal.ZERO : q.getBigDecimal("total"),
        n == 0 ? BigDecimal.ZERO : q.getBigDecimal("infra"),
        sampling);
  }

  /**
   * Exact dollars for machines (JSON, the API): a decimal string without trailing zeros, "0" for
   * zero.
   */
  public static String exact(BigDecimal v) {
    return v.signum() == 0 ? "0" : v.stripTrailingZeros().toPlainString();
  }

  /** Dollars for people: 4 decimals below a dollar, 2 above. */
  public static String usd(BigDecimal v) {
    BigDecimal a = v.abs();
    return "$"
        + (a.compareTo(BigDecimal.ONE) < 0
            ? v.setScale(4, java.math.RoundingMode.HALF_EVEN).toPlainString()
            : String.format(Locale.ROOT, "%,.2f", v));
  }
}
