package dev.costtrace.sink.report;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The weekly long-tail review ({@code costtrace review}): a period compared with the one before it.
 * Spend belongs to the period its trace started in; a conversation (an ID within a tenant) is in a
 * period when it spent in it, with what it spent there. Read from the exact rollups with the {@code
 * review_*.sql} queries; the weekly-review dashboard shows the same figures.
 */
public final class CostReview {
  /** Conversations over the threshold listed at most (the count covers them all). */
  public static final int DEFAULT_MAX_OVER_THRESHOLD = 100;

  /** Movers listed per kind (feature, model). */
  public static final int MOVERS = 5;

  /** Shares (of spend, of conversations) carry this many decimals. */
  public static final int SHARE_SCALE = 4;

  /**
   * One period's figures.
   *
   * @param totalUsd all spend of the traces that started in the period
   * @param infraUsd the part of it that is infrastructure (COSTTRACE_INFRA_COSTS)
   * @param unattributedUsd the part of it without a conversation
   * @param top5pctShare the share of the conversations' spend in the most expensive 5 % of them
   * @param overThreshold conversations that cost at least the threshold
   */
  public record Period(
      Instant from,
      Instant to,
      BigDecimal totalUsd,
      BigDecimal infraUsd,
      BigDecimal unattributedUsd,
      long conversations,
      BigDecimal p50Usd,
      BigDecimal p95Usd,
      BigDecimal p99Usd,
      BigDecimal maxUsd,
      BigDecimal top5pctShare,
      long overThreshold) {}

  /** A conversation over the threshold; {@code link} is its Grafana conversation detail. */
  public record Expensive(
      String tenantId,
      String conversationId,
      String userId,
      String feature,
      long turns,
      List<String> models,
      BigDecimal costUsd,
      String link) {}

  /** A feature or model whose per-conversation p95 moved; change is (now - before) / before. */
  public record Mover(
      String name,
      BigDecimal p95NowUsd,
      BigDecimal p95BeforeUsd,
      BigDecimal change,
      long conversationsNow,
      long conversationsBefore) {}

  /** Calls without a price, by model and status. */
  public record Unpriced(String model, String provider, String status, long calls, String reason) {}

  /** Budget events by limit and action. */
  public record LimitHit(String limit, String action, long hits, long conversations) {}

  /**
   * A quarter-decade bucket {@code [lowUsd, highUsd)} of conversation cost; the bucket of
   * conversations with no cost has both bounds zero.
   */
  public record Bucket(BigDecimal lowUsd, BigDecimal highUsd, long conversations) {
    public boolean noCost() {
      return highUsd.signum() == 0;
    }
  }

  /**
   * On the cumulative curve: the top {@code conversationsShare} of conversations spent this share.
   */
  public record SharePoint(BigDecimal conversationsShare, BigDecimal spendShare) {}

  /**
   * Spend of one UTC day in one period; {@code current} when in the reviewed period. The day the
   * period starts in appears twice, once per period, since the period rarely starts at midnight.
   */
  public record Day(LocalDate day, BigDecimal usd, boolean current) {}

  /**
   * The review. {@code limitHits} is null when the schema has no budget events (budgets are not
   * installed), an empty list when there were none.
   */
  public record Review(
      Period current,
      Period previous,
      BigDecimal thresholdUsd,
      List<Expensive> overThreshold,
      List<Mover> features,
      List<Mover> models,
      List<Unpriced> unpriced,
      List<LimitHit> limitHits,
      List<Bucket> histogram,
      List<SharePoint> cumulative,
      List<Day> days) {}

  private final Client client;
  private final String database;
  private final String grafanaUrl;

  /**
   * @param grafanaUrl where the CostTrace dashboards are, for the conversation links
   */
  public CostReview(Client client, String database, String grafanaUrl) {
    this.client = Objects.requireNonNull(client, "client");
    this.database = ReportSql.database(Objects.requireNonNull(database, "database"));
    this.grafanaUrl =
        grafanaUrl.endsWith("/") ? grafanaUrl.substring(0, grafanaUrl.length() - 1) : grafanaUrl;
  }

  /** Reviews {@code [until - length, until)} against the period of the same length before it. */
  public Review run(Instant until, Duration length, BigDecimal thresholdUsd) {
    if (length.isNegative() || length.isZero()) {
      throw new IllegalArgumentException("the period must be positive");
    }
    Instant from = until.minus(length);
    Instant prevFrom = from.minus(length);
    Period current = period(from, until, thresholdUsd);
    Period previous = period(prevFrom, from, thresholdUsd);
    Map<String, Object> window = window(from, until);
    List<Expensive> expensive = new ArrayList<>();
    Map<String, Object> p = new HashMap<>(window);
    p.put("threshold_usd", thresholdUsd.toPlainString());
    p.put("max_rows", DEFAULT_MAX_OVER_THRESHOLD);
    for (GenericRecord r : run("review_over_threshold", p)) {
      String id = r.getString("conversation_id");
      expensive.add(
          new Expensive(
              r.getString("tenant_id"),
              id,
              r.getString("user_id"),
              r.getString("feature"),
              r.getLong("turns"),
              List.of(r.getStringArray("models")),
              r.getBigDecimal("cost"),
              link(id, from, until)));
    }
    Map<String, Object> both = new HashMap<>(window);
    both.put("prev_from_ns", ConversationCosts.epochNanos(prevFrom));
    List<Mover> features = new ArrayList<>();
    List<Mover> models = new ArrayList<>();
    for (GenericRecord r : run("review_movers", both)) {
      long now = r.getLong("conversations_now");
      long before = r.getLong("conversations_before");
      if (now == 0 || before == 0) {
        continue; // new or gone: no movement to measure
      }
      BigDecimal p95Now = r.getBigDecimal("p95_now");
      BigDecimal p95Before = r.getBigDecimal("p95_before");
      BigDecimal change =
          p95Before.signum() == 0
              ? null
              : p95Now.subtract(p95Before).divide(p95Before, SHARE_SCALE, RoundingMode.HALF_EVEN);
      Mover m = new Mover(r.getString("name"), p95Now, p95Before, change, now, before);
      (r.getString("kind").equals("feature") ? features : models).add(m);
    }
    List<Unpriced> unpriced = new ArrayList<>();
    for (GenericRecord r : run("review_unpriced", window)) {
      unpriced.add(
          new Unpriced(
              r.getString("model"),
              r.getString("provider"),
              r.getString("pricing_status"),
              r.getLong("calls"),
              r.getString("reason")));
    }
    List<Bucket> histogram = new ArrayList<>();
    for (GenericRecord r : run("review_histogram", window)) {
      int k = r.getInteger("k");
      histogram.add(
          k == -1000
              ? new Bucket(BigDecimal.ZERO, BigDecimal.ZERO, r.getLong("conversations"))
              : new Bucket(quarterDecade(k), quarterDecade(k + 1), r.getLong("conversations")));
    }
    GenericRecord c = run("review_cumulative", window).get(0);
    BigDecimal total = c.getBigDecimal("total");
    List<SharePoint> cumulative = new ArrayList<>();
    if (current.conversations() > 0) {
      Object[] top = c.getObjectArray("top_cost");
      for (int i = 0; i < top.length; i++) {
        cumulative.add(
            new SharePoint(
                BigDecimal.valueOf(i + 1, 2).setScale(SHARE_SCALE),
                share((BigDecimal) top[i], total)));
      }
    }
    Map<String, Object> days = new HashMap<>(window);
    days.put("from_ns", ConversationCosts.epochNanos(prevFrom));
    days.put("current_ns", ConversationCosts.epochNanos(from));
    List<Day> daily = new ArrayList<>();
    for (GenericRecord r : run("review_days", days)) {
      daily.add(new Day(r.getLocalDate("day"), r.getBigDecimal("cost"), r.getBoolean("current")));
    }
    return new Review(
        current,
        previous,
        thresholdUsd,
        expensive,
        top(features),
        top(models),
        unpriced,
        limitHits(window),
        histogram,
        cumulative,
        daily);
  }

  private Period period(Instant from, Instant to, BigDecimal threshold) {
    Map<String, Object> p = window(from, to);
    p.put("threshold_usd", threshold.toPlainString());
    GenericRecord r = run("review_period", p).get(0);
    long n = r.getLong("conversations");
    BigDecimal conversationCost = r.getBigDecimal("conversation_cost");
    BigDecimal total = r.getBigDecimal("total_cost");
    return new Period(
        from,
        to,
        total,
        r.getBigDecimal("infra_cost"),
        total.subtract(conversationCost),
        n,
        n == 0 ? BigDecimal.ZERO : r.getBigDecimal("p50"),
        n == 0 ? BigDecimal.ZERO : r.getBigDecimal("p95"),
        n == 0 ? BigDecimal.ZERO : r.getBigDecimal("p99"),
        n == 0 ? BigDecimal.ZERO : r.getBigDecimal("max_cost"),
        share(r.getBigDecimal("top_5pct_cost"), conversationCost),
        r.getLong("over_threshold"));
  }

  /** The budget events, or null when the schema has none (budgets not installed). */
  private List<LimitHit> limitHits(Map<String, Object> window) {
    long tables =
        client
            .queryAll(
                "SELECT count() AS n FROM system.tables WHERE database = {db:String}"
                    + " AND name = 'budget_events'",
                Map.of("db", database))
            .get(0)
            .getLong("n");
    if (tables == 0) {
      return null;
    }
    List<LimitHit> out = new ArrayList<>();
    for (GenericRecord r : run("review_limit_hits", window)) {
      out.add(
          new LimitHit(
              r.getString("limit_name"),
              r.getString("action"),
              r.getLong("hits"),
              r.getLong("conversations")));
    }
    return out;
  }

  /** The movers with the largest relative change first (ties by name), at most {@link #MOVERS}. */
  private static List<Mover> top(List<Mover> movers) {
    return movers.stream()
        .filter(m -> m.change() != null)
        .sorted(
            Comparator.comparing((Mover m) -> m.change().abs())
                .reversed()
                .thenComparing(Mover::name))
        .limit(MOVERS)
        .toList();
  }

  private static BigDecimal share(BigDecimal part, BigDecimal whole) {
    return whole.signum() == 0
        ? BigDecimal.ZERO.setScale(SHARE_SCALE)
        : part.divide(whole, SHARE_SCALE, RoundingMode.HALF_EVEN);
  }

  /** 10^(k/4) USD to six significant digits (a bucket bound, a label: not an amount). */
  static BigDecimal quarterDecade(int k) {
    return new BigDecimal(Math.pow(10, k / 4.0))
        .round(new java.math.MathContext(6))
        .stripTrailingZeros();
  }

  private String link(String conversationId, Instant from, Instant to) {
    return grafanaUrl
        + "/d/costtrace-conversation/conversation-detail?var-conversation="
        + java.net.URLEncoder.encode(conversationId, java.nio.charset.StandardCharsets.UTF_8)
        + "&from="
        + from.toEpochMilli()
        + "&to="
        + to.toEpochMilli();
  }

  private Map<String, Object> window(Instant from, Instant to) {
    Map<String, Object> p = new HashMap<>();
    p.put("db", database);
    p.put("from_ns", ConversationCosts.epochNanos(from));
    p.put("to_ns", ConversationCosts.epochNanos(to));
    return p;
  }

  private List<GenericRecord> run(String query, Map<String, Object> params) {
    return ReportSql.run(client, query, params, 0);
  }
}
