package dev.costtrace.sink.rollup;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import com.clickhouse.client.api.query.QuerySettings;
import dev.costtrace.sink.schema.ClusterConsistency;
import dev.costtrace.sink.schema.SchemaOptions;
import dev.costtrace.sink.schema.SqlTemplate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * Checks the invariant of the rollups: every trace rollup equals a recomputation from the stored
 * span rows (FINAL) and attribution observations, and every conversation rollup equals a
 * recomputation from the trace rollups; together, every rollup is a function of what is stored. It
 * uses the very queries the writer uses ({@code trace_rollups.sql}, {@code
 * conversation_rollups.sql}), compares every column (amounts exactly, to the 12th decimal), and can
 * repair what differs by recomputing it ({@link #repair}).
 */
public final class RollupVerifier {
  private static final SqlTemplate TRACES =
      SqlTemplate.load(RollupVerifier.class, "trace_rollups.sql");
  private static final SqlTemplate VERIFY_TRACES =
      SqlTemplate.load(RollupVerifier.class, "verify_traces.sql");
  private static final SqlTemplate VERIFY_CONVERSATIONS =
      SqlTemplate.load(RollupVerifier.class, "verify_conversations.sql");
  private static final List<String> TRACE_COLUMNS =
      List.of(
          "conversation_id",
          "tenant_id",
          "user_id",
          "feature",
          "service_name",
          "start_time",
          "end_time",
          "total_cost",
          "input_tokens",
          "cache_read_tokens",
          "cache_write_tokens",
          "output_tokens",
          "reasoning_tokens",
          "llm_calls",
          "tool_calls",
          "unpriced_calls",
          "model_costs");
  private static final List<String> CONVERSATION_COLUMNS =
      List.of(
          "tenant_id",
          "user_id",
          "feature",
          "turns",
          "total_cost",
          "input_tokens",
          "output_tokens",
          "cache_read_tokens",
          "cache_write_tokens",
          "reasoning_tokens",
          "llm_calls",
          "tool_calls",
          "unpriced_calls",
          "model_costs",
          "first_seen",
          "last_seen",
          "trace_ids",
          "services");

  private final Client client;
  private final SchemaOptions schema;
  private final String db;

  /** What differs about one rollup. */
  public enum Problem {
    /** Spans are stored, no rollup is. */
    MISSING,
    /** A rollup is stored that a recomputation does not give. */
    EXTRA,
    /** Both exist; some columns differ. */
    DIFFERS
  }

  /**
   * One rollup that is not what a recomputation gives.
   *
   * @param kind "trace" or "conversation"
   * @param authTenant the tenant key
   * @param id the trace or conversation ID
   * @param columns per differing column: {@code name: stored -> expected}
   */
  public record Difference(
      String kind, String authTenant, String id, Problem problem, List<String> columns) {
    @Override
    public String toString() {
      return kind
          + " "
          + (authTenant.isEmpty() ? "" : authTenant + "/")
          + id
          + ": "
          + problem.name().toLowerCase(java.util.Locale.ROOT)
          + (columns.isEmpty() ? "" : " " + String.join(", ", columns));
    }
  }

  /**
   * The outcome of a check.
   *
   * @param traces trace rollups compared
   * @param conversations conversation rollups compared
   */
  public record Report(long traces, long conversations, List<Difference> differences) {
    public boolean clean() {
      return differences.isEmpty();
    }
  }

  public RollupVerifier(Client client, SchemaOptions schema) {
    this.client = client;
    this.schema = schema;
    this.db = schema.database();
  }

  /**
   * Compares the rollups of every trace that has a span or a rollup in the window (its spans are
   * read whatever their time) and of every conversation with a trace there, with recomputations.
   */
  public Report verify(Duration since) {
    String from = "now64(9) - toIntervalSecond(" + since.toSeconds() + ")";
    String traces =
        "SELECT auth_tenant, trace_id FROM "
            + db
            + ".span_rows WHERE start_time >= "
            + from
            + " UNION DISTINCT SELECT auth_tenant, trace_id FROM "
            + db
            + ".trace_rollups FINAL WHERE end_time >= "
            + from;
    String conversations =
        "SELECT auth_tenant, conversation_id FROM "
            + db
            + ".trace_rollups FINAL WHERE end_time >= "
            + from
            + " AND conversation_id != ''"
            + " UNION DISTINCT SELECT auth_tenant, conversation_id FROM "
            + db
            + ".conversation_rollups FINAL WHERE last_seen >= "
            + from;
    return check(traces, conversations);
  }

  /** Compares the rollups of these traces and of every conversation they were observed with. */
  public Report verify(List<TraceKey> traces) {
    String keys = keys(traces);
    return check(
        keys,
        "SELECT auth_tenant, conversation_id FROM "
            + db
            + ".span_attributions"
            + " WHERE (auth_tenant, trace_id) IN ("
            + keys
            + ") AND conversation_id != ''"
            + " UNION DISTINCT SELECT auth_tenant, conversation_id FROM "
            + db
            + ".trace_rollups FINAL"
            + " WHERE (auth_tenant, trace_id) IN ("
            + keys
            + ") AND conversation_id != ''");
  }

  /**
   * Recomputes what a check found different: its traces (whatever their time), then its
   * conversations.
   */
  public void repair(Report report) {
    Set<TraceKey> traces = new LinkedHashSet<>();
    Set<ConversationKey> conversations = new LinkedHashSet<>();
    for (Difference d : report.differences()) {
      if (d.kind().equals("trace")) {
        traces.add(new TraceKey(d.authTenant(), d.id()));
      } else {
        conversations.add(new ConversationKey(d.authTenant(), d.id()));
      }
    }
    RollupRecomputer recomputer = new RollupRecomputer(client, schema);
    recomputer.recompute(traces); // their conversations with them
    recomputer.recomputeConversations(conversations);
  }

  private Report check(String traces, String conversations) {
    List<Difference> out = new ArrayList<>();
    String expectedTraces =
        TRACES.render(
            "db",
            db,
            "span_filter",
            "(x.auth_tenant, x.trace_id) IN (" + traces + ")",
            "attribution_filter",
            "(o.auth_tenant, o.trace_id) IN (" + traces + ")",
            "allocation_filter",
            "(o.auth_tenant, o.trace_id) IN (" + traces + ")");
    for (GenericRecord r :
        query(VERIFY_TRACES.render("db", db, "traces", traces, "expected", expectedTraces))) {
      out.add(difference("trace", r, r.getString("trace_id"), TRACE_COLUMNS));
    }
    long traceCount = count("SELECT count() AS n FROM (" + traces + ")");
    // By definition (FINAL), not the writer's read by conversation: the check is what that read
    // must equal.
    String expectedConversations = RollupRecomputer.conversationsByDefinition(db, conversations);
    for (GenericRecord r :
        query(
            VERIFY_CONVERSATIONS.render(
                "db", db, "conversations", conversations, "expected", expectedConversations))) {
      out.add(difference("conversation", r, r.getString("conversation_id"), CONVERSATION_COLUMNS));
    }
    long conversationCount = count("SELECT count() AS n FROM (" + conversations + ")");
    return new Report(traceCount, conversationCount, List.copyOf(out));
  }

  private static Difference difference(
      String kind, GenericRecord r, String id, List<String> columns) {
    boolean expected = r.getBoolean("e_found");
    boolean stored = r.getBoolean("s_found");
    String tenant = r.getString("auth_tenant");
    if (!stored) {
      return new Difference(kind, tenant, id, Problem.MISSING, List.of());
    }
    if (!expected) {
      return new Difference(kind, tenant, id, Problem.EXTRA, List.of());
    }
    List<String> differing = new ArrayList<>();
    for (String c : columns) {
      String e = text(r, "e_" + c);
      String s = text(r, "s_" + c);
      if (!Objects.equals(e, s)) {
        differing.add(c + ": " + s + " -> " + e);
      }
    }
    return new Difference(kind, tenant, id, Problem.DIFFERS, List.copyOf(differing));
  }

  /** A value as text, amounts exact (no trailing zeros), for comparing and printing. */
  private static String text(GenericRecord r, String column) {
    if (!r.hasValue(column)) {
      return null;
    }
    Object v = r.getObject(column);
    if (v instanceof java.math.BigDecimal d) {
      return d.stripTrailingZeros().toPlainString();
    }
    return String.valueOf(v);
  }

  private static String keys(List<TraceKey> traces) {
    if (traces.isEmpty()) {
      return "SELECT '' AS auth_tenant, '' AS trace_id WHERE 0";
    }
    StringBuilder values = new StringBuilder();
    for (TraceKey k : traces) {
      values
          .append(values.length() == 0 ? "" : ", ")
          .append('(')
          .append(SqlTemplate.literal(k.authTenant()))
          .append(", ")
          .append(SqlTemplate.literal(k.traceId()))
          .append(')');
    }
    return "SELECT tupleElement(k, 1) AS auth_tenant, tupleElement(k, 2) AS trace_id FROM (SELECT arrayJoin(["
        + values
        + "]) AS k)";
  }

  private List<GenericRecord> query(String sql) {
    QuerySettings settings = new QuerySettings();
    settings.serverSetting("max_query_size", RollupRecomputer.MAX_QUERY_SIZE);
    return client.queryAll(sql, schema.clustered() ? ClusterConsistency.reads(settings) : settings);
  }

  private long count(String sql) {
    return query(sql).get(0).getLong("n");
  }
}
