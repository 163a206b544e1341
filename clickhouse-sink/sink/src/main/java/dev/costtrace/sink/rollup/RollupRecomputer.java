package dev.costtrace.sink.rollup;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.command.CommandSettings;
import com.clickhouse.client.api.query.GenericRecord;
import com.clickhouse.client.api.query.QuerySettings;
import dev.costtrace.sink.engine.ClickHouseTimeouts;
import dev.costtrace.sink.infra.InfraRule;
import dev.costtrace.sink.schema.ClusterConsistency;
import dev.costtrace.sink.schema.SchemaOptions;
import dev.costtrace.sink.schema.SqlTemplate;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Recomputes rollups from what is stored: the rollup of every given trace from its span rows
 * (FINAL) and attribution observations ({@code trace_rollups.sql}), then the rollup of every
 * conversation those traces were ever attributed to ({@code conversation_rollups.sql}) — so that a
 * trace that moved from one conversation to another changes both. Idempotent: running it again,
 * after any crash, retry or duplicate, writes the same rollups; the newest version wins.
 *
 * <p>The writer calls {@link #recompute(TouchedTraces)} for every batch before it commits the batch
 * in its buffer; it reads span rows only where the trace's rows can be: the batch's own rows and
 * the range its stored rollup covers (every batch that stored a span recomputed its trace before it
 * was committed). {@link #recompute(String, Collection)} reads every span row of the traces,
 * whatever their time: for repricing and repair. Not thread-safe; one per thread.
 */
public final class RollupRecomputer {
  /** Traces whose span rows lie within this window of one another are recomputed in one query. */
  static final long GROUP_WINDOW_NANOS = Duration.ofHours(1).toNanos();

  /** What a recomputer without timeouts waits for a statement in client-v2's asynchronous mode. */
  static final Duration ASYNC_WAIT = Duration.ofSeconds(120);

  /** At most this many traces are named in one query. */
  static final int CHUNK = 20_000;

  private static final SqlTemplate TRACES =
      SqlTemplate.load(RollupRecomputer.class, "trace_rollups.sql");
  private static final SqlTemplate CONVERSATIONS =
      SqlTemplate.load(RollupRecomputer.class, "conversation_rollups.sql");
  private static final SqlTemplate BOUNDS =
      SqlTemplate.load(RollupRecomputer.class, "trace_bounds.sql");
  private static final SqlTemplate OBSERVED =
      SqlTemplate.load(RollupRecomputer.class, "observed_conversations.sql");
  private static final SqlTemplate MOVES =
      SqlTemplate.load(RollupRecomputer.class, "trace_moves.sql");
  private static final SqlTemplate CONVERSATION_TRACES =
      SqlTemplate.load(RollupRecomputer.class, "conversation_traces.sql");
  private static final SqlTemplate CONVERSATION_TRACES_FINAL =
      SqlTemplate.load(RollupRecomputer.class, "conversation_traces_final.sql");
  private static final HexFormat HEX = HexFormat.of();

  private final Client client;
  private final String database;
  private final boolean clustered;
  private final ClickHouseTimeouts timeouts;

  /**
   * From how many trace rollups on the writer reads the traces of its conversations by
   * conversation; {@link Long#MAX_VALUE}: never (see the writer's constructor).
   */
  private final long byKeyFromRows;

  /** Whether the trace rollups had that many rows when last counted, and when (nanoTime). */
  private boolean byKey;

  private long countedAt;

  private boolean counted;

  /** How often the writer counts the trace rollups. */
  static final Duration COUNT_EVERY = Duration.ofMinutes(1);

  /** What one recomputation did. */
  public record Recomputed(int traces, int queries) {}

  /**
   * Bounded by the client's own timeouts only, and in client-v2's asynchronous mode by {@link
   * #ASYNC_WAIT}: for repair and repricing, whose recomputation of a period may rightly run long.
   */
  public RollupRecomputer(Client client, SchemaOptions schema) {
    this(client, schema.database(), schema.clustered(), null, Long.MAX_VALUE);
  }

  /**
   * The writer's: every statement bounded by {@code timeouts}' query timeout, on the server and in
   * the client (it must never hang on a stalled connection); the traces of the conversations it
   * recomputes read by conversation ({@code conversation_traces.sql}, through the trace rollups'
   * projection) once the trace rollups have {@code conversationsByKeyFromRows} rows (counted once a
   * minute; 0: always; always on a cluster), and the whole table through FINAL before, which is
   * cheaper while it is small. Either way the moves are written, so the choice changes no result.
   * Repairs and repricing always read through FINAL.
   */
  public RollupRecomputer(
      Client client,
      SchemaOptions schema,
      ClickHouseTimeouts timeouts,
      long conversationsByKeyFromRows) {
    this(
        client,
        schema.database(),
        schema.clustered(),
        java.util.Objects.requireNonNull(timeouts, "timeouts"),
        conversationsByKeyFromRows);
  }

  private RollupRecomputer(
      Client client,
      String database,
      boolean clustered,
      ClickHouseTimeouts timeouts,
      long conversationsByKeyFromRows) {
    this.client = client;
    this.database = database;
    this.clustered = clustered;
    this.timeouts = timeouts;
    this.byKeyFromRows = conversationsByKeyFromRows;
  }

  /** How the writer reads the traces of its conversations now. */
  private SqlTemplate conversationTraces() {
    if (byKeyFromRows == 0 || (clustered && byKeyFromRows != Long.MAX_VALUE)) {
      return CONVERSATION_TRACES;
    }
    if (byKeyFromRows == Long.MAX_VALUE) {
      return CONVERSATION_TRACES_FINAL;
    }
    long now = System.nanoTime();
    if (!counted || now - countedAt > COUNT_EVERY.toNanos()) {
      List<GenericRecord> rows =
          query(
              "SELECT sum(rows) AS n FROM system.parts WHERE database = "
                  + SqlTemplate.literal(database)
                  + " AND table = 'trace_rollups' AND active");
      byKey = !rows.isEmpty() && rows.get(0).getLong("n") >= byKeyFromRows;
      counted = true;
      countedAt = now;
    }
    return byKey ? CONVERSATION_TRACES : CONVERSATION_TRACES_FINAL;
  }

  /** The writer's: the rollups of a batch's traces and of their conversations. */
  public Recomputed recompute(TouchedTraces touched) {
    if (touched.isEmpty()) {
      return new Recomputed(0, 0);
    }
    // Where each trace's span rows are: the batch's own, and the range its stored rollup covers.
    Map<TraceKey, long[]> windows = new HashMap<>();
    for (TraceKey k : touched.keys()) {
      long[] own = touched.spanStarts(k);
      if (own != null) {
        windows.put(k, own.clone());
      }
    }
    int queries = 0;
    List<List<TraceKey>> chunks = chunks(touched.keys());
    // The conversations first: a trace observed with several is moved out of each before its
    // rollup is written (trace_moves), so that only its new rollup counts in any of them.
    Observed observed = observed(chunks);
    queries += chunks.size() + insertMoves(observed.moves);
    for (List<TraceKey> chunk : chunks) {
      for (GenericRecord r :
          query(BOUNDS.render("db", database, "trace_filter", traceFilter("t", chunk)))) {
        TraceKey k = new TraceKey(r.getString("auth_tenant"), r.getString("trace_id"));
        long from = r.getLong("first_start");
        long to = r.getLong("last_end");
        windows.merge(
            k,
            new long[] {from, to},
            (a, b) -> new long[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
      }
      queries++;
    }
    // A trace with neither rows in the batch nor a rollup has no span row anywhere: nothing to sum.
    for (List<TraceKey> group : groups(windows)) {
      long from = Long.MAX_VALUE;
      long to = Long.MIN_VALUE;
      for (TraceKey k : group) {
        from = Math.min(from, windows.get(k)[0]);
        to = Math.max(to, windows.get(k)[1]);
      }
      insertTraces(
          group,
          "x.start_time >= "
              + SqlTemplate.nanos(from)
              + " AND x.start_time <= "
              + SqlTemplate.nanos(to)
              + " AND ",
          allocationHours(from, to) + " AND ");
      queries++;
    }
    return new Recomputed(
        windows.size(),
        queries
            + insertConversations(
                observed.conversations, observed.mayBeEmpty, conversationTraces()));
  }

  /** At most {@value #CHUNK} traces a query: their IDs are the query's text. */
  private static List<List<TraceKey>> chunks(Collection<TraceKey> traces) {
    List<TraceKey> all = new ArrayList<>(traces);
    List<List<TraceKey>> out = new ArrayList<>();
    for (int i = 0; i < all.size(); i += CHUNK) {
      out.add(all.subList(i, Math.min(all.size(), i + CHUNK)));
    }
    return out;
  }

  /**
   * Recomputes these traces of one tenant key from every span row they have, whatever its time, and
   * their conversations: for a repricing that wrote new versions of their spans, or a repair.
   */
  public Recomputed recompute(String authTenant, Collection<String> traceIds) {
    List<TraceKey> keys =
        traceIds.stream().distinct().map(t -> new TraceKey(authTenant, t)).toList();
    return recompute(keys);
  }

  /** As {@link #recompute(String, Collection)}, for traces of any tenant keys. */
  public Recomputed recompute(Collection<TraceKey> traces) {
    if (traces.isEmpty()) {
      return new Recomputed(0, 0);
    }
    List<List<TraceKey>> chunks = chunks(traces);
    Observed observed = observed(chunks);
    int moves = insertMoves(observed.moves);
    for (List<TraceKey> chunk : chunks) {
      insertTraces(chunk, "", "");
    }
    return new Recomputed(
        traces.size(),
        2 * chunks.size()
            + moves
            + insertConversations(
                observed.conversations, observed.conversations, CONVERSATION_TRACES_FINAL));
  }

  /**
   * Recomputes every trace with a span row that started in {@code [from, to)}, from all its span
   * rows, and their conversations, in one pass: after a bulk load or a repricing of a period.
   */
  public void recompute(java.time.Instant from, java.time.Instant to) {
    long f = from.getEpochSecond() * 1_000_000_000L + from.getNano();
    long t = to.getEpochSecond() * 1_000_000_000L + to.getNano();
    String traces =
        "SELECT DISTINCT auth_tenant, trace_id FROM "
            + database
            + ".span_rows WHERE start_time >= "
            + SqlTemplate.nanos(f)
            + " AND start_time < "
            + SqlTemplate.nanos(t);
    execute(
        MOVES.render(
            "db", database, "trace_filter", "(o.auth_tenant, o.trace_id) IN (" + traces + ")"));
    execute(
        "INSERT INTO "
            + database
            + ".trace_rollups "
            + TRACES.render(
                "db",
                database,
                "span_filter",
                "(x.auth_tenant, x.trace_id) IN (" + traces + ")",
                "attribution_filter",
                "(o.auth_tenant, o.trace_id) IN (" + traces + ")",
                "allocation_filter",
                "(o.auth_tenant, o.trace_id) IN (" + traces + ")"));
    execute(
        "INSERT INTO "
            + database
            + ".conversation_rollups "
            + conversations(
                "SELECT auth_tenant, conversation_id FROM "
                    + database
                    + ".span_attributions WHERE (auth_tenant, trace_id) IN ("
                    + traces
                    + ")",
                null,
                CONVERSATION_TRACES_FINAL));
  }

  /**
   * {@code conversation_rollups.sql} for the conversations {@code selected} (a query), their traces
   * read by {@code traces}; the live-row check of a conversation with no trace left for those of
   * {@code mayBeEmpty} (a query; null: all selected).
   */
  private String conversations(String selected, String mayBeEmpty, SqlTemplate traces) {
    return conversations(database, selected, mayBeEmpty, traces);
  }

  /**
   * {@code conversation_rollups.sql} by definition (the trace rollups read through FINAL) for the
   * conversations {@code selected} (a query) of {@code db}: what {@code verify} compares with.
   */
  static String conversationsByDefinition(String db, String selected) {
    return conversations(db, selected, null, CONVERSATION_TRACES_FINAL);
  }

  private static String conversations(
      String database, String selected, String mayBeEmpty, SqlTemplate traces) {
    return CONVERSATIONS.render(
        "db",
        database,
        "conversations",
        selected,
        "may_be_empty",
        mayBeEmpty == null ? selected : mayBeEmpty,
        "traces",
        traces.render("db", database, "conversations", selected));
  }

  /**
   * Recomputes these conversations from the stored trace rollups, read by definition ({@code
   * FINAL}): a repair.
   */
  public void recomputeConversations(Collection<ConversationKey> conversations) {
    insertConversations(conversations, conversations, CONVERSATION_TRACES_FINAL);
  }

  /** What the selected traces were observed with: see {@code observed_conversations.sql}. */
  private record Observed(
      Set<ConversationKey> conversations, Set<ConversationKey> mayBeEmpty, List<Move> moves) {}

  /** A trace moved out of a conversation (a row of trace_moves). */
  private record Move(ConversationKey conversation, String traceId) {}

  /**
   * Every conversation these traces were ever observed with (their old and their new one alike),
   * read once and later named by value (the conversation statement refers to its set several times,
   * and a subquery there would read the observations each time); the traces observed with more than
   * one, as (tenant key, conversation, trace) moves, and their conversations.
   */
  private Observed observed(List<List<TraceKey>> chunks) {
    Observed out = new Observed(new LinkedHashSet<>(), new LinkedHashSet<>(), new ArrayList<>());
    for (List<TraceKey> chunk : chunks) {
      for (GenericRecord r :
          query(OBSERVED.render("db", database, "trace_filter", traceFilter("o", chunk)))) {
        ConversationKey c =
            new ConversationKey(r.getString("auth_tenant"), r.getString("conversation_id"));
        out.conversations.add(c);
        List<?> shared = r.getList("shared_traces");
        if (!shared.isEmpty()) {
          out.mayBeEmpty.add(c);
          for (Object trace : shared) {
            out.moves.add(new Move(c, trace.toString()));
          }
        }
      }
    }
    return out;
  }

  /**
   * Moves, versioned now: before the rollups of their traces are recomputed.
   *
   * @return the statements it took (none when there is no move)
   */
  private int insertMoves(List<Move> moves) {
    if (moves.isEmpty()) {
      return 0;
    }
    StringBuilder rows = new StringBuilder();
    for (Move m : moves) {
      rows.append(rows.length() == 0 ? "" : ", ")
          .append('(')
          .append(SqlTemplate.literal(m.conversation().authTenant()))
          .append(", ")
          .append(SqlTemplate.literal(m.conversation().conversationId()))
          .append(", ")
          .append(SqlTemplate.literal(m.traceId()))
          .append(')');
    }
    execute(
        "INSERT INTO "
            + database
            + ".trace_moves SELECT m.1, m.2, m.3, toUInt64(toUnixTimestamp64Nano(now64(9))),"
            + " now64(9) FROM (SELECT arrayJoin(["
            + rows
            + "]) AS m)");
    return 1;
  }

  /**
   * The statements for these conversations, at most {@value #CHUNK} each.
   *
   * @return the statements it took
   */
  private int insertConversations(
      Collection<ConversationKey> conversations,
      Collection<ConversationKey> mayBeEmpty,
      SqlTemplate traces) {
    List<ConversationKey> all = new ArrayList<>(conversations);
    Set<ConversationKey> empty = new HashSet<>(mayBeEmpty);
    int statements = 0;
    for (int i = 0; i < all.size(); i += CHUNK) {
      List<ConversationKey> chunk = all.subList(i, Math.min(all.size(), i + CHUNK));
      insertConversationChunk(chunk, chunk.stream().filter(empty::contains).toList(), traces);
      statements++;
    }
    return statements;
  }

  /**
   * One statement for these conversations: their IDs as hex (any character may be in one), once per
   * tenant key, in {@code WITH} lists the statement's uses of the sets name.
   */
  private void insertConversationChunk(
      Collection<ConversationKey> conversations,
      Collection<ConversationKey> mayBeEmpty,
      SqlTemplate traces) {
    if (conversations.isEmpty()) {
      return;
    }
    String select =
        conversations(
            "SELECT auth_tenant, conversation_id FROM rollup_conversations",
            "SELECT auth_tenant, conversation_id FROM rollup_may_be_empty",
            traces);
    execute(
        "INSERT INTO "
            + database
            + ".conversation_rollups "
            + NamedTraces.prepend(
                "rollup_conversations AS ("
                    + conversationSet(conversations)
                    + "), rollup_may_be_empty AS ("
                    + conversationSet(mayBeEmpty)
                    + ")",
                select));
  }

  /** A query of these (auth_tenant, conversation_id), the IDs as hex, one term per tenant key. */
  private static String conversationSet(Collection<ConversationKey> conversations) {
    if (conversations.isEmpty()) {
      return "SELECT '' AS auth_tenant, '' AS conversation_id WHERE 0";
    }
    Map<String, StringBuilder> byTenant = new TreeMap<>();
    for (ConversationKey c : conversations) {
      StringBuilder ids = byTenant.computeIfAbsent(c.authTenant(), t -> new StringBuilder());
      ids.append(ids.length() == 0 ? "" : ",")
          .append(HEX.formatHex(c.conversationId().getBytes(StandardCharsets.UTF_8)));
    }
    StringBuilder sets = new StringBuilder();
    for (Map.Entry<String, StringBuilder> e : byTenant.entrySet()) {
      sets.append(sets.length() == 0 ? "" : " UNION ALL ")
          .append("SELECT ")
          .append(SqlTemplate.literal(e.getKey()))
          .append(" AS auth_tenant, unhex(arrayJoin(splitByChar(',', ")
          .append(SqlTemplate.literal(e.getValue().toString()))
          .append("))) AS conversation_id");
    }
    return sets.toString();
  }

  /**
   * Sorted by where their rows start, traces go together while each one's rows start within {@link
   * #GROUP_WINDOW_NANOS} of where the rows before it end: a trace far from the others (a late span
   * of an old trace) gets a query of its own rather than widening everyone's, while a batch whose
   * traces follow one another over hours (a backlog, a replay) is one query, not one an hour.
   */
  static List<List<TraceKey>> groups(Map<TraceKey, long[]> windows) {
    List<TraceKey> sorted = new ArrayList<>(windows.keySet());
    sorted.sort(Comparator.comparingLong((TraceKey k) -> windows.get(k)[0]).thenComparing(k -> k));
    List<List<TraceKey>> out = new ArrayList<>();
    List<TraceKey> group = new ArrayList<>();
    long to = 0;
    for (TraceKey k : sorted) {
      long[] w = windows.get(k);
      if (!group.isEmpty() && (w[0] - to > GROUP_WINDOW_NANOS || group.size() >= CHUNK)) {
        out.add(group);
        group = new ArrayList<>();
      }
      to = group.isEmpty() ? w[1] : Math.max(to, w[1]);
      group.add(k);
    }
    if (!group.isEmpty()) {
      out.add(group);
    }
    return out;
  }

  /**
   * The rollups of these traces, from their span rows where {@code spanWindow} and their
   * infrastructure allocations where {@code allocationWindow} (each empty, or a condition followed
   * by AND).
   */
  private void insertTraces(
      Collection<TraceKey> traces, String spanWindow, String allocationWindow) {
    NamedTraces named = new NamedTraces(traces);
    execute(
        "INSERT INTO "
            + database
            + ".trace_rollups "
            + named.prepend(
                TRACES.render(
                    "db",
                    database,
                    "span_filter",
                    spanWindow + "(" + named.filter("x") + ")",
                    "attribution_filter",
                    named.filter("o"),
                    "allocation_filter",
                    allocationWindow + "(" + named.filter("o") + ")")));
  }

  /**
   * The hours a trace whose span rows start within [from, to] can have infrastructure allocations
   * in: from the hour of its first start to {@link InfraRule#USE_WITHIN} after its last (a span's
   * seconds are counted in the hours that start within that of its start). The allocations table is
   * sorted by hour first, so the writer reads the hours of its batch only.
   */
  public static String allocationHours(long fromNanos, long toNanos) {
    return "o.hour >= toStartOfHour("
        + SqlTemplate.nanos(fromNanos)
        + ") AND o.hour <= "
        + SqlTemplate.nanos(toNanos + InfraRule.USE_WITHIN.toNanos());
  }

  /**
   * The traces of one statement, their IDs in its text once: a {@code WITH} list of one set per
   * tenant key ({@code rollup_traces_0 AS (SELECT arrayJoin(splitByChar(',', 'id,id,...')) AS
   * trace_id)}) that every filter of the statement names. Carrying the IDs costs the server about
   * 1.5 µs each (sending, parsing, splitting: 30 ms of CPU for the 17,000 traces of four batches on
   * the embedded engine), and a statement filters two or three tables by them.
   */
  static final class NamedTraces {
    private final Map<String, String> setByTenant = new TreeMap<>();
    private final StringBuilder with = new StringBuilder();

    NamedTraces(Collection<TraceKey> traces) {
      for (Map.Entry<String, StringBuilder> e : idsByTenant(traces).entrySet()) {
        String name = "rollup_traces_" + setByTenant.size();
        setByTenant.put(e.getKey(), "SELECT trace_id FROM " + name);
        with.append(with.length() == 0 ? "" : ", ")
            .append(name)
            .append(" AS (SELECT arrayJoin(splitByChar(',', ")
            .append(SqlTemplate.literal(e.getValue().toString()))
            .append(")) AS trace_id)");
      }
    }

    /**
     * {@code (a.auth_tenant = 't' AND a.trace_id IN (SELECT trace_id FROM rollup_traces_0)) OR
     * ...}: the primary key and the trace-ID index of each table use the set the subquery makes.
     */
    String filter(String alias) {
      return tenantFilter(alias, setByTenant);
    }

    /**
     * The statement {@code select} (a SELECT, or one with a WITH list of its own) with the sets.
     */
    String prepend(String select) {
      return with.length() == 0 ? select : prepend(with.toString(), select);
    }

    /** {@code select} with {@code with} (named subqueries) first in its WITH list. */
    static String prepend(String with, String select) {
      String s = select.stripLeading();
      boolean hasWith =
          s.regionMatches(true, 0, "WITH", 0, 4) && Character.isWhitespace(s.charAt(4));
      return hasWith ? "WITH " + with + ", " + s.substring(5) : "WITH " + with + "\n" + s;
    }
  }

  /**
   * {@code (a.auth_tenant = 't' AND a.trace_id IN (SELECT arrayJoin(splitByChar(',',
   * 'id,id,...')))) OR ...}: one term per tenant key, the IDs as one string literal (a list of
   * thousands of literals costs ClickHouse's parser and analyzer far more than the query itself);
   * the primary key and the trace-ID index of each table use the set the subquery makes.
   */
  static String traceFilter(String alias, Collection<TraceKey> traces) {
    Map<String, String> sets = new TreeMap<>();
    idsByTenant(traces)
        .forEach(
            (tenant, ids) ->
                sets.put(
                    tenant,
                    "SELECT arrayJoin(splitByChar(',', "
                        + SqlTemplate.literal(ids.toString())
                        + "))"));
    return tenantFilter(alias, sets);
  }

  /** {@code (a.auth_tenant = 't' AND a.trace_id IN (set)) OR ...}, "0" when there is none. */
  private static String tenantFilter(String alias, Map<String, String> setByTenant) {
    if (setByTenant.isEmpty()) {
      return "0";
    }
    StringBuilder out = new StringBuilder();
    for (Map.Entry<String, String> e : setByTenant.entrySet()) {
      out.append(out.length() == 0 ? "" : " OR ")
          .append('(')
          .append(alias)
          .append(".auth_tenant = ")
          .append(SqlTemplate.literal(e.getKey()))
          .append(" AND ")
          .append(alias)
          .append(".trace_id IN (")
          .append(e.getValue())
          .append("))");
    }
    return out.toString();
  }

  /** Per tenant key, its traces' IDs joined by commas. */
  private static Map<String, StringBuilder> idsByTenant(Collection<TraceKey> traces) {
    Map<String, StringBuilder> byTenant = new TreeMap<>();
    for (TraceKey k : traces) {
      if (k.traceId().indexOf(',') >= 0) {
        continue; // not an ID this sink stores (they are hex)
      }
      StringBuilder ids = byTenant.computeIfAbsent(k.authTenant(), t -> new StringBuilder());
      ids.append(ids.length() == 0 ? "" : ",").append(k.traceId());
    }
    return byTenant;
  }

  /**
   * A batch's queries name its traces: thousands of IDs, past ClickHouse's default 256 KiB of query
   * text.
   */
  static final String MAX_QUERY_SIZE = Integer.toString(64 << 20);

  private <S extends QuerySettings> S bounded(S settings) {
    return timeouts == null ? settings : timeouts.query(settings);
  }

  private Duration clientWait() {
    return timeouts == null ? ASYNC_WAIT : timeouts.clientWait();
  }

  private List<GenericRecord> query(String sql) {
    QuerySettings settings = bounded(new QuerySettings());
    settings.serverSetting("max_query_size", MAX_QUERY_SIZE);
    settings.serverSetting("do_not_merge_across_partitions_select_final", "1");
    return client.queryAll(sql, clustered ? ClusterConsistency.reads(settings) : settings);
  }

  private void execute(String sql) {
    CommandSettings settings = bounded(new CommandSettings());
    settings.serverSetting("max_query_size", MAX_QUERY_SIZE);
    // FINAL merges a key's rows within its partition only: every row of a span (and of a trace's
    // rollup, which is not partitioned) is in one partition.
    settings.serverSetting("do_not_merge_across_partitions_select_final", "1");
    if (clustered) {
      ClusterConsistency.writesAndReads(settings);
    }
    try {
      // Bounded by the settings' network timeout in client-v2's synchronous mode (the future comes
      // back complete), by this get in its asynchronous one.
      client.execute(sql, settings).get(clientWait().toMillis(), TimeUnit.MILLISECONDS).close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RollupException("interrupted", e);
    } catch (ExecutionException e) {
      throw new RollupException(
          "rollup recomputation failed: " + e.getCause().getMessage(), e.getCause());
    } catch (TimeoutException e) {
      throw new RollupException("rollup recomputation took over " + clientWait(), e);
    } catch (RollupException e) {
      throw e;
    } catch (Exception e) {
      throw new RollupException("rollup recomputation failed: " + e.getMessage(), e);
    }
  }
}
