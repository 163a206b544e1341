package dev.costtrace.sink.report;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The numbers a user comes for: the top-N rows by cost for a grouping, and the p50/p95/p99 of cost
 * per conversation, over traces that started within a window.
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

  /** One row of the report. */
  public record Row(String key, BigDecimal totalUsd, long turns, long llmCalls, long toolCalls,
      long inputTokens, long outputTokens, String models) {}

  /** The report. */
  public record Result(By by, List<Row> rows, BigDecimal p50, BigDecimal p95, BigDecimal p99,
      long conversations, BigDecimal totalUsd) {}

  private final Client client;
  private final String database;

  public CostReport(Client client, String database) {
    this.client = client;
    this.database = database;
  }

  public Result run(By by, int top, Duration since) {
    String window = "start_time >= now64(9) - toIntervalSecond(" + since.toSeconds() + ")";
    String sql;
    if (by == By.MODEL) {
      sql = "SELECT if(response_model != '', response_model, request_model) AS key,"
          + " sum(total_cost) AS total, uniqExact(trace_id) AS turns,"
          + " countIf(operation != 'execute_tool') AS llm, countIf(operation = 'execute_tool') AS tools,"
          + " sum(input_tokens + cache_read_tokens + cache_write_tokens) AS tin,"
          + " sum(output_tokens + reasoning_tokens) AS tout, provider AS models"
          + " FROM " + database + ".spans WHERE " + window
          + " GROUP BY key, provider ORDER BY total DESC LIMIT " + top;
    } else {
      String key = by == By.TRACE ? "trace_id" : by.column;
      sql = "SELECT " + key + " AS key, sum(total_cost) AS total, count() AS turns,"
          + " sum(llm_calls) AS llm, sum(tool_calls) AS tools, sum(input_tokens) AS tin,"
          + " sum(output_tokens) AS tout,"
          + " arrayStringConcat(arraySort(x -> -x.2, arrayZip(mapKeys(sumMap(model_costs)),"
          + "   mapValues(sumMap(model_costs)))).1, ',') AS models"
          + " FROM " + database + ".trace_rollup WHERE " + window
          + (by == By.TRACE ? "" : " AND " + key + " != ''")
          + " GROUP BY key ORDER BY total DESC LIMIT " + top;
    }
    List<Row> rows = new ArrayList<>();
    for (GenericRecord r : client.queryAll(sql)) {
      rows.add(new Row(r.getString("key"), r.getBigDecimal("total"), r.getLong("turns"),
          r.getLong("llm"), r.getLong("tools"), r.getLong("tin"), r.getLong("tout"),
          r.getString("models")));
    }
    GenericRecord q = client.queryAll("SELECT count() AS n, sum(c) AS total,"
        + " quantileExact(0.5)(c) AS p50, quantileExact(0.95)(c) AS p95, quantileExact(0.99)(c) AS p99"
        + " FROM (SELECT conversation_id, sum(total_cost) AS c FROM " + database + ".trace_rollup"
        + " WHERE " + window + " AND conversation_id != '' GROUP BY conversation_id)").get(0);
    long n = q.getLong("n");
    return new Result(by, rows, n == 0 ? BigDecimal.ZERO : q.getBigDecimal("p50"),
        n == 0 ? BigDecimal.ZERO : q.getBigDecimal("p95"), n == 0 ? BigDecimal.ZERO : q.getBigDecimal("p99"),
        n, n == 0 ? BigDecimal.ZERO : q.getBigDecimal("total"));
  }

  /** Exact dollars for machines (JSON, the API): a decimal string without trailing zeros, "0" for zero. */
  public static String exact(BigDecimal v) {
    return v.signum() == 0 ? "0" : v.stripTrailingZeros().toPlainString();
  }

  /** Dollars for people: 4 decimals below a dollar, 2 above. */
  public static String usd(BigDecimal v) {
    BigDecimal a = v.abs();
    return "$" + (a.compareTo(BigDecimal.ONE) < 0
        ? v.setScale(4, java.math.RoundingMode.HALF_EVEN).toPlainString()
        : String.format(Locale.ROOT, "%,.2f", v));
  }
}
