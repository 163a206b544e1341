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
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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

  private final Client client;
  private final String database;
  private final boolean clustered;
  private final ClickHouseTimeouts timeouts;

  /** What one recomputation did. */
  public record Recomputed(int traces, int queries) {}

  /**
   * Bounded by the client's own timeouts only, and in client-v2's asynchronous mode by {@link
   * #ASYNC_WAIT}: for repair and repricing, whose recomputation of a period may rightly run long.
   */
  public RollupRecomputer(Client client, SchemaOptions schema) {
    this(client, schema.database(), schema.clustered(), null);
  }

  /**
   * Every statement bounded by {@code timeouts}' query timeout, on the server and in the client:
   * the writer's, which must never hang on a stalled connection.
   */
  public RollupRecomputer(Client client, SchemaOptions schema, ClickHouseTimeouts timeouts) {
    this(
        client,
        schema.database(),
        schema.clustered(),
        java.util.Objects.requireNonNull(timeouts, "timeouts"));
  }

  private RollupRecomputer(
      Client client, String database, boolean clustered, ClickHouseTimeouts timeouts) {
    this.client = client;
    this.database = database;
    this.clustered = clustered;
    this.timeouts = timeouts;
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
              + " AND ("
              + traceFilter("x", group)
              + ")",
          allocationHours(from, to) + " AND (" + traceFilter("o", group) + ")");
      queries++;
    }
    for (List<TraceKey> chunk : chunks) {
      insertConversations(chunk);
      queries++;
    }
    return new Recomputed(windows.size(), queries);
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
    int queries = 0;
    for (List<TraceKey> chunk : chunks(traces)) {
      insertTraces(chunk, traceFilter("x", chunk), traceFilter("o", chunk));
      insertConversations(chunk);
      queries += 2;
    }
    return new Recomputed(traces.size(), queries);
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
            + CONVERSATIONS.render(
                "db",
                database,
                "conversations",
                "SELECT auth_tenant, conversation_id FROM "
                    + database
                    + ".span_attributions WHERE (auth_tenant, trace_id) IN ("
                    + traces
                    + ")"));
  }

  /** Recomputes these conversations from the stored trace rollups (a repair). */
  public void recomputeConversations(Collection<ConversationKey> conversations) {
    List<ConversationKey> all = new ArrayList<>(conversations);
    for (int i = 0; i < all.size(); i += CHUNK) {
      StringBuilder values = new StringBuilder();
      for (ConversationKey c : all.subList(i, Math.min(all.size(), i + CHUNK))) {
        values
            .append(values.length() == 0 ? "" : ", ")
            .append('(')
            .append(SqlTemplate.literal(c.authTenant()))
            .append(", ")
            .append(SqlTemplate.literal(c.conversationId()))
            .append(')');
      }
      execute(
          "INSERT INTO "
              + database
              + ".conversation_rollups "
              + CONVERSATIONS.render(
                  "db",
                  database,
                  "conversations",
                  "SELECT tupleElement(c, 1) AS auth_tenant, tupleElement(c, 2) AS conversation_id"
                      + " FROM (SELECT arrayJoin(["
                      + values
                      + "]) AS c)"));
    }
  }

  /**
   * Sorted by where their rows start, traces go together while their rows fit one window; a trace
   * far from the others (a late span of an old trace) gets a query of its own rather than widening
   * everyone's.
   */
  static List<List<TraceKey>> groups(Map<TraceKey, long[]> windows) {
    List<TraceKey> sorted = new ArrayList<>(windows.keySet());
    sorted.sort(Comparator.comparingLong((TraceKey k) -> windows.get(k)[0]).thenComparing(k -> k));
    List<List<TraceKey>> out = new ArrayList<>();
    List<TraceKey> group = new ArrayList<>();
    long from = 0;
    long to = 0;
    for (TraceKey k : sorted) {
      long[] w = windows.get(k);
      if (!group.isEmpty()
          && (Math.max(to, w[1]) - from > GROUP_WINDOW_NANOS || group.size() >= CHUNK)) {
        out.add(group);
        group = new ArrayList<>();
      }
      if (group.isEmpty()) {
        from = w[0];
        to = w[1];
      } else {
        to = Math.max(to, w[1]);
      }
      group.add(k);
    }
    if (!group.isEmpty()) {
      out.add(group);
    }
    return out;
  }

  private void insertTraces(
      Collection<TraceKey> traces, String spanFilter, String allocationFilter) {
    execute(
        "INSERT INTO "
            + database
            + ".trace_rollups "
            + TRACES.render(
                "db",
                database,
                "span_filter",
                spanFilter,
                "attribution_filter",
                traceFilter("o", traces),
                "allocation_filter",
                allocationFilter));
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

  /** Every conversation any of these traces was observed with: its old and its new one alike. */
  private void insertConversations(Collection<TraceKey> traces) {
    execute(
        "INSERT INTO "
            + database
            + ".conversation_rollups "
            + CONVERSATIONS.render(
                "db",
                database,
                "conversations",
                "SELECT auth_tenant, conversation_id FROM "
                    + database
                    + ".span_attributions AS o WHERE "
                    + traceFilter("o", traces)));
  }

  /**
   * {@code (a.auth_tenant = 't' AND a.trace_id IN (SELECT arrayJoin(splitByChar(',',
   * 'id,id,...')))) OR ...}: one term per tenant key, the IDs as one string literal (a list of
   * thousands of literals costs ClickHouse's parser and analyzer far more than the query itself);
   * the primary key and the trace-ID index of each table use the set the subquery makes.
   */
  static String traceFilter(String alias, Collection<TraceKey> traces) {
    Map<String, StringBuilder> byTenant = new TreeMap<>();
    for (TraceKey k : traces) {
      if (k.traceId().indexOf(',') >= 0) {
        continue; // not an ID this sink stores (they are hex)
      }
      StringBuilder ids = byTenant.computeIfAbsent(k.authTenant(), t -> new StringBuilder());
      ids.append(ids.length() == 0 ? "" : ",").append(k.traceId());
    }
    if (byTenant.isEmpty()) {
      return "0";
    }
    StringBuilder out = new StringBuilder();
    for (Map.Entry<String, StringBuilder> e : byTenant.entrySet()) {
      out.append(out.length() == 0 ? "" : " OR ")
          .append('(')
          .append(alias)
          .append(".auth_tenant = ")
          .append(SqlTemplate.literal(e.getKey()))
          .append(" AND ")
          .append(alias)
          .append(".trace_id IN (SELECT arrayJoin(splitByChar(',', ")
          .append(SqlTemplate.literal(e.getValue().toString()))
          .append("))))");
    }
    return out.toString();
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
