package dev.costtrace.sink.report;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import dev.costtrace.sink.infra.InfraRule;
import java.math.BigDecimal;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The cost of one conversation, a page of conversations, and grouped spend, read from the exact
 * rollups with parameterised queries: a conversation and the list from its rollup row ({@code
 * conversations.sql}), its models and calls from the span rows of the traces that row names ({@code
 * conversation_models.sql}, {@code conversation_calls.sql}; the {@code _search} variants when it
 * does not name them all), grouped spend from the trace rollups ({@code grouped_costs.sql}; {@code
 * grouped_estimates.sql} only when {@code grouped_sampled.sql} finds a sampled call in the window).
 * The HTTP API and {@code costtrace review} read through this class.
 *
 * <p>A conversation is a conversation ID within a tenant key, as in the rollups, the panels and the
 * report: with auth on, the same ID sent under two tenants is two conversations; without auth the
 * tenant is an attribute the app sends, and a conversation's is what its earliest trace said. A
 * tenant scope (the tenant of a bearer token) restricts every query to that tenant; the empty scope
 * sees every tenant.
 */
public final class ConversationCosts {
  /** The most calls one conversation's call list returns. */
  public static final int DEFAULT_MAX_CALLS = 10_000;

  /** Seconds a query may run on ClickHouse before it is cancelled there. */
  public static final long DEFAULT_MAX_EXECUTION_SECONDS = 30;

  /** Wide enough for every stored span: DateTime64(9) ends in 2262. */
  private static final Window ALL_TIME =
      new Window(Instant.EPOCH, Instant.ofEpochSecond(0, Long.MAX_VALUE));

  /**
   * Filters of the conversation list and the grouped costs; an empty string matches anything.
   *
   * @param scope the only tenant the caller may see ("" = every tenant)
   * @param minUsd only conversations costing at least this (the list only)
   */
  public record Filter(
      String scope,
      String tenant,
      String user,
      String feature,
      String service,
      String model,
      BigDecimal minUsd) {
    public Filter {
      scope = Objects.requireNonNullElse(scope, "");
      tenant = Objects.requireNonNullElse(tenant, "");
      user = Objects.requireNonNullElse(user, "");
      feature = Objects.requireNonNullElse(feature, "");
      service = Objects.requireNonNullElse(service, "");
      model = Objects.requireNonNullElse(model, "");
      minUsd = Objects.requireNonNullElse(minUsd, BigDecimal.ZERO);
    }

    /** Everything a scope may see. */
    public static Filter scoped(String scope) {
      return new Filter(scope, "", "", "", "", "", BigDecimal.ZERO);
    }
  }

  /** A half-open time interval {@code [from, to)}. */
  public record Window(Instant from, Instant to) {
    public Window {
      Objects.requireNonNull(from, "from");
      Objects.requireNonNull(to, "to");
      if (to.isBefore(from)) {
        throw new IllegalArgumentException("the window ends before it starts");
      }
    }
  }

  /**
   * One conversation's rollup: {@code totalUsd} = {@code llmUsd} + {@code toolUsd} + {@code
   * infraUsd} (its {@code infra:<rule>} allocations). Token counts follow the rollup: input
   * includes cache reads and writes. {@code authTenant} is its tenant key (the bearer token's
   * tenant with auth on, "" without); {@code traceIds} the traces its rollup names, all of them
   * when there are as many as {@code turns}.
   */
  public record Conversation(
      String conversationId,
      String tenantId,
      String userId,
      String feature,
      BigDecimal totalUsd,
      BigDecimal llmUsd,
      BigDecimal toolUsd,
      BigDecimal infraUsd,
      long turns,
      long llmCalls,
      long toolCalls,
      long unpricedCalls,
      long inputTokens,
      long outputTokens,
      long cacheReadTokens,
      long cacheWriteTokens,
      long reasoningTokens,
      Instant firstSeen,
      Instant lastSeen,
      String authTenant,
      List<String> traceIds) {
    public Conversation {
      traceIds = List.copyOf(traceIds);
    }

    /** Whether its rollup names every trace of it (at most 1,000 are named). */
    boolean tracesNamed() {
      return traceIds.size() == turns;
    }
  }

  /** A model (or {@code tool:<name>}) of a conversation. */
  public record ModelUsage(String model, long calls, BigDecimal totalUsd) {}

  /** One LLM or tool call. */
  public record Call(
      String traceId,
      String spanId,
      Instant start,
      Instant end,
      String service,
      String provider,
      String model,
      String operation,
      long inputTokens,
      long cacheReadTokens,
      long cacheWriteTokens,
      long outputTokens,
      long reasoningTokens,
      BigDecimal totalUsd,
      String pricingStatus,
      String pricingReason) {}

  /** Where a page of the list ends: the last conversation's cost, ID and tenant. */
  public record Position(BigDecimal totalUsd, String conversationId, String tenantId) {}

  /** A page of conversations, and where the next one starts (null on the last page). */
  public record Page(List<Conversation> conversations, Position next) {}

  /** What grouped spend can be grouped by. */
  public enum GroupKey {
    TENANT,
    FEATURE,
    MODEL,
    DAY
  }

  /**
   * One group of spend: the keys grouped by (the others empty or null), the total and its
   * infrastructure part ({@code infra:<rule>}), the conversations and turns in it, the
   * per-conversation percentiles (zero without any), and the estimate under sampling when some of
   * its calls were sampled by probability (null otherwise).
   */
  public record Group(
      String tenant,
      String feature,
      String model,
      LocalDate day,
      BigDecimal totalUsd,
      BigDecimal infraUsd,
      long conversations,
      long turns,
      BigDecimal p50Usd,
      BigDecimal p95Usd,
      BigDecimal p99Usd,
      BigDecimal maxUsd,
      Estimate estimate) {}

  /**
   * Money estimated from probability-sampled calls, apart from counted money: the group's calls
   * counted once each ({@code countedUsd}) and each weighed by its adjusted count ({@code
   * estimatedUsd}), and how many of them were sampled. Never for a conversation.
   */
  public record Estimate(long sampledCalls, BigDecimal countedUsd, BigDecimal estimatedUsd) {}

  private final Client client;
  private final String database;
  private final long maxExecutionSeconds;

  public ConversationCosts(Client client, String database) {
    this(client, database, DEFAULT_MAX_EXECUTION_SECONDS);
  }

  /**
   * @param maxExecutionSeconds ClickHouse cancels a query running longer (0: no limit)
   */
  public ConversationCosts(Client client, String database, long maxExecutionSeconds) {
    this.client = Objects.requireNonNull(client, "client");
    this.database = ReportSql.database(Objects.requireNonNull(database, "database"));
    if (maxExecutionSeconds < 0) {
      throw new IllegalArgumentException("maxExecutionSeconds must be non-negative");
    }
    this.maxExecutionSeconds = maxExecutionSeconds;
  }

  /**
   * The conversations with ID {@code id} that {@code filter} lets through (its tenant, scope and
   * other filters; not min_usd), whenever they were active: none, one, or one per tenant when the
   * ID was sent under several (at most {@code max}).
   */
  public List<Conversation> conversation(String id, Filter filter, int max) {
    Map<String, Object> p = listParams(filter, ALL_TIME, null, max);
    p.put("id", Objects.requireNonNull(id, "id"));
    p.put("min_usd", "0");
    List<Conversation> out = new ArrayList<>();
    for (GenericRecord r : run("conversations", p)) {
      out.add(conversation(r));
    }
    return out;
  }

  /** The models and tools of a conversation, most expensive first; unpriced ones included. */
  public List<ModelUsage> models(Conversation c) {
    List<ModelUsage> out = new ArrayList<>();
    String query = c.tracesNamed() ? "conversation_models" : "conversation_models_search";
    for (GenericRecord r : run(query, conversationParams(c))) {
      out.add(
          new ModelUsage(r.getString("model"), r.getLong("calls"), r.getBigDecimal("total_cost")));
    }
    return out;
  }

  /**
   * The parameters that find a conversation's calls: its tenant key, its traces (or its ID, to
   * search for them), and its first and last seen (every stored call of its traces starts between
   * them; all time when it has none yet).
   */
  private Map<String, Object> conversationParams(Conversation c) {
    Map<String, Object> p = new HashMap<>();
    p.put("db", database);
    p.put("auth_tenant", c.authTenant());
    long to = epochNanos(c.lastSeen() != null ? c.lastSeen() : ALL_TIME.to());
    p.put("from_ns", epochNanos(c.firstSeen() != null ? c.firstSeen() : ALL_TIME.from()));
    p.put("to_ns", to);
    if (c.tracesNamed()) {
      p.put("trace_ids", arrayLiteral(c.traceIds()));
      p.put(
          "hours_to_ns",
          to > Long.MAX_VALUE - InfraRule.USE_WITHIN.toNanos()
              ? Long.MAX_VALUE
              : to + InfraRule.USE_WITHIN.toNanos());
    } else {
      p.put("id", c.conversationId());
    }
    return p;
  }

  /** A ClickHouse array of strings in text form, what an {@code Array(String)} parameter reads. */
  static String arrayLiteral(List<String> values) {
    StringBuilder b = new StringBuilder("[");
    for (String v : values) {
      b.append(b.length() == 1 ? "'" : ",'")
          .append(v.replace("\\", "\\\\").replace("'", "\\'"))
          .append('\'');
    }
    return b.append(']').toString();
  }

  private static Map<String, Object> withMaxCalls(Map<String, Object> p, int max) {
    p.put("max_calls", max);
    return p;
  }

  /** Up to {@code max} calls of a conversation in the order they started. */
  public List<Call> calls(Conversation c, int max) {
    if (max < 1) {
      throw new IllegalArgumentException("max must be positive");
    }
    List<Call> out = new ArrayList<>();
    String query = c.tracesNamed() ? "conversation_calls" : "conversation_calls_search";
    for (GenericRecord r : run(query, withMaxCalls(conversationParams(c), max))) {
      out.add(
          new Call(
              r.getString("trace_id"),
              r.getString("span_id"),
              nanos(r, "start_ns"),
              nanos(r, "end_ns"),
              r.getString("service_name"),
              r.getString("provider"),
              r.getString("model"),
              r.getString("operation"),
              r.getLong("input_tokens"),
              r.getLong("cache_read_tokens"),
              r.getLong("cache_write_tokens"),
              r.getLong("output_tokens"),
              r.getLong("reasoning_tokens"),
              r.getBigDecimal("total_cost"),
              r.getString("pricing_status"),
              r.getString("pricing_reason")));
    }
    return out;
  }

  /**
   * Conversations whose last span ended within {@code window}, most expensive first (ties by ID and
   * tenant), {@code limit} at most, starting after {@code after} (null: from the top).
   */
  public Page conversations(Filter filter, Window window, Position after, int limit) {
    if (limit < 1) {
      throw new IllegalArgumentException("limit must be positive");
    }
    Map<String, Object> p = listParams(filter, window, after, limit + 1);
    p.put("id", "");
    List<Conversation> out = new ArrayList<>();
    for (GenericRecord r : run("conversations", p)) {
      out.add(conversation(r));
    }
    if (out.size() <= limit) {
      return new Page(out, null);
    }
    List<Conversation> page = List.copyOf(out.subList(0, limit));
    Conversation last = page.get(limit - 1);
    return new Page(page, new Position(last.totalUsd(), last.conversationId(), last.tenantId()));
  }

  /**
   * Spend of the traces that started within {@code window}, grouped by {@code keys}, largest first.
   */
  public List<Group> costs(Filter filter, Window window, Set<GroupKey> keys) {
    Set<GroupKey> by = keys.isEmpty() ? EnumSet.noneOf(GroupKey.class) : EnumSet.copyOf(keys);
    Map<String, Object> p = filterParams(filter, window);
    p.put("by_tenant", by.contains(GroupKey.TENANT) ? 1 : 0);
    p.put("by_feature", by.contains(GroupKey.FEATURE) ? 1 : 0);
    p.put("by_model", by.contains(GroupKey.MODEL) ? 1 : 0);
    p.put("by_day", by.contains(GroupKey.DAY) ? 1 : 0);
    Map<List<Object>, Estimate> estimates = new HashMap<>();
    Map<String, Object> probe = new HashMap<>();
    probe.put("db", database);
    probe.put("from_ns", p.get("from_ns"));
    probe.put("to_ns", p.get("to_ns"));
    boolean sampled = run("grouped_sampled", probe).get(0).getLong("sampled") > 0;
    for (GenericRecord r : sampled ? run("grouped_estimates", p) : List.<GenericRecord>of()) {
      estimates.put(
          groupKey(r),
          new Estimate(
              r.getLong("sampled_calls"),
              r.getBigDecimal("counted"),
              r.getBigDecimal("estimated")));
    }
    List<Group> out = new ArrayList<>();
    for (GenericRecord r : run("grouped_costs", p)) {
      long conversations = r.getLong("conversations");
      out.add(
          new Group(
              by.contains(GroupKey.TENANT) ? r.getString("tenant") : null,
              by.contains(GroupKey.FEATURE) ? r.getString("feature") : null,
              by.contains(GroupKey.MODEL) ? r.getString("model") : null,
              by.contains(GroupKey.DAY) ? r.getLocalDate("day") : null,
              r.getBigDecimal("total_cost"),
              r.getBigDecimal("infra_cost"),
              conversations,
              r.getLong("turns"),
              orZero(r, "p50", conversations),
              orZero(r, "p95", conversations),
              orZero(r, "p99", conversations),
              orZero(r, "max_cost", conversations),
              estimates.get(groupKey(r))));
    }
    return out;
  }

  private static List<Object> groupKey(GenericRecord r) {
    return List.of(
        r.getString("tenant"), r.getString("feature"), r.getString("model"), r.getLocalDate("day"));
  }

  private Map<String, Object> filterParams(Filter f, Window w) {
    Map<String, Object> p = new HashMap<>();
    p.put("db", database);
    p.put("scope", f.scope());
    p.put("tenant", f.tenant());
    p.put("user", f.user());
    p.put("feature", f.feature());
    p.put("service", f.service());
    p.put("model", f.model());
    p.put("from_ns", epochNanos(w.from()));
    p.put("to_ns", epochNanos(w.to()));
    return p;
  }

  private Map<String, Object> listParams(Filter f, Window w, Position after, int limit) {
    Map<String, Object> p = filterParams(f, w);
    p.put("min_usd", f.minUsd().toPlainString());
    p.put("has_after", after == null ? 0 : 1);
    p.put("after_usd", after == null ? "0" : after.totalUsd().toPlainString());
    p.put("after_id", after == null ? "" : after.conversationId());
    p.put("after_tenant", after == null ? "" : after.tenantId());
    p.put("limit", limit);
    return p;
  }

  private List<GenericRecord> run(String query, Map<String, Object> params) {
    return ReportSql.run(client, query, params, maxExecutionSeconds);
  }

  private static Conversation conversation(GenericRecord r) {
    return new Conversation(
        r.getString("conversation_id"),
        r.getString("tenant_id"),
        r.getString("user_id"),
        r.getString("feature"),
        r.getBigDecimal("total_cost"),
        r.getBigDecimal("llm_cost"),
        r.getBigDecimal("tool_cost"),
        r.getBigDecimal("infra_cost"),
        r.getLong("turns"),
        r.getLong("llm_calls"),
        r.getLong("tool_calls"),
        r.getLong("unpriced_calls"),
        r.getLong("input_tokens"),
        r.getLong("output_tokens"),
        r.getLong("cache_read_tokens"),
        r.getLong("cache_write_tokens"),
        r.getLong("reasoning_tokens"),
        nanos(r, "first_seen_ns"),
        nanos(r, "last_seen_ns"),
        r.getString("auth_tenant"),
        r.getList("trace_ids"));
  }

  private static BigDecimal orZero(GenericRecord r, String column, long conversations) {
    return conversations == 0 ? BigDecimal.ZERO : r.getBigDecimal(column);
  }

  private static Instant nanos(GenericRecord r, String column) {
    long n = r.getLong(column);
    return Instant.ofEpochSecond(
        Math.floorDiv(n, 1_000_000_000L), Math.floorMod(n, 1_000_000_000L));
  }

  /** Epoch nanoseconds, clamped to what Int64 holds. */
  static long epochNanos(Instant t) {
    if (t.getEpochSecond() >= Long.MAX_VALUE / 1_000_000_000L) {
      return Long.MAX_VALUE;
    }
    if (t.getEpochSecond() < 0) {
      return 0;
    }
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }
}
