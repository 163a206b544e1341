package dev.costtrace.sink.reprice;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.insert.InsertSettings;
import com.clickhouse.client.api.query.GenericRecord;
import com.clickhouse.client.api.query.QuerySettings;
import com.clickhouse.data.ClickHouseFormat;
import dev.costtrace.sink.SpanColumns;
import dev.costtrace.sink.SpanCostRow;
import dev.costtrace.sink.SpanRowBinary;
import dev.costtrace.sink.buffer.GrowableBytes;
import dev.costtrace.sink.rollup.RollupRecomputer;
import dev.costtrace.sink.rollup.TraceKey;
import dev.costtrace.sink.schema.ClusterConsistency;
import dev.costtrace.sink.schema.SchemaOptions;
import dev.costtrace.sink.schema.SqlTemplate;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * Prices stored spans again: reads the current row of every LLM call that matches a {@link Filter}
 * (priced from tokens: status PRICED, UNKNOWN_MODEL or PARTIAL), asks a {@link Prices} for its new
 * pricing, and for every span whose pricing changed writes a new row of the same key and time with
 * a higher {@code row_version} (the server's clock), the previous total and catalog version kept
 * for audit; then recomputes the rollups of those traces ({@link
 * RollupRecomputer#recompute(java.util.Collection)}), window by window of at most {@link
 * #DEFAULT_WINDOW_SPANS} spans by default.
 *
 * <p>Idempotent by construction: a span whose new pricing equals its stored one is left alone, so a
 * second run with the same catalog writes nothing; a run interrupted anywhere leaves rows either
 * repriced (and found unchanged by the next run) or not (and repriced by it), and every run ends by
 * recomputing the traces whose repriced rows are newer than their rollup (stale_traces.sql), which
 * is what an interruption between a window's rows and its recomputation leaves behind.
 */
public final class Repricing {
  /**
   * At most about this many span rows are read, priced and written at a time (an hour that holds
   * more is one window of its own).
   */
  public static final int DEFAULT_WINDOW_SPANS = 20_000;

  private static final SqlTemplate WINDOWS =
      SqlTemplate.load(Repricing.class, "reprice_windows.sql");
  private static final SqlTemplate ROWS = SqlTemplate.load(Repricing.class, "reprice_rows.sql");
  private static final SqlTemplate STALE = SqlTemplate.load(Repricing.class, "stale_traces.sql");
  private static final SqlTemplate CONVERSATION_TOTALS =
      SqlTemplate.load(Repricing.class, "conversation_totals.sql");
  private static final long HOUR_NANOS = 3_600_000_000_000L;
  private static final String REPRICED_STATUSES = "('PRICED', 'UNKNOWN_MODEL', 'PARTIAL')";

  /** The new pricing of a stored span. */
  @FunctionalInterface
  public interface Prices {
    /**
     * The stored row with its pricing columns (costs, total, status, reason, catalog version, price
     * entry) as the current catalog gives them; any other column is ignored.
     */
    SpanCostRow reprice(SpanCostRow stored);
  }

  /**
   * Which stored spans to price again; every field but {@code since} may be empty (any).
   *
   * @param since spans that started at or after this instant
   * @param model the request or response model
   * @param provider the stored (canonical) provider, e.g. openai, aws
   * @param tenant the tenant key (bearer-token auth) or the trace's resolved tenant
   * @param service the resource's {@code service.name}
   * @param conversation the trace's resolved conversation, or the one the span carried
   */
  public record Filter(
      Instant since,
      String model,
      String provider,
      String tenant,
      String service,
      String conversation) {
    public Filter {
      Objects.requireNonNull(since, "since");
      model = model == null ? "" : model;
      provider = provider == null ? "" : provider;
      tenant = tenant == null ? "" : tenant;
      service = service == null ? "" : service;
      conversation = conversation == null ? "" : conversation;
    }

    /** Every span that started at or after {@code since}. */
    public static Filter since(Instant since) {
      return new Filter(since, "", "", "", "", "");
    }
  }

  /**
   * One conversation's cost before and after (for spans of traces with no conversation: the changed
   * spans' old and new total).
   */
  public record ConversationChange(
      String authTenant, String conversationId, BigDecimal before, BigDecimal after, int spans) {
    public BigDecimal difference() {
      return after.subtract(before);
    }
  }

  /**
   * What a repricing found, and did unless it was a dry run.
   *
   * @param examined stored spans priced again
   * @param changed spans whose pricing changed (written, unless a dry run)
   * @param newlyPriced of those, spans that were unpriced (UNKNOWN_MODEL) and are PRICED now
   * @param before the changed spans' total before
   * @param after their total after
   * @param conversations per conversation, sorted by tenant key and ID
   * @param tracesRecomputed traces whose rollups were recomputed (0 in a dry run)
   * @param dryRun whether nothing was written
   */
  public record Result(
      int examined,
      int changed,
      int newlyPriced,
      BigDecimal before,
      BigDecimal after,
      List<ConversationChange> conversations,
      int tracesRecomputed,
      boolean dryRun) {
    public BigDecimal difference() {
      return after.subtract(before);
    }
  }

  private final Client client;
  private final SchemaOptions schema;
  private final String db;
  private final RollupRecomputer recomputer;
  private final int windowSpans;
  private SpanRowBinary<SpanCostRow> encoder;

  public Repricing(Client client, SchemaOptions schema) {
    this(client, schema, DEFAULT_WINDOW_SPANS);
  }

  /**
   * @param windowSpans at most about this many span rows a window
   * @throws IllegalArgumentException if it is not positive
   */
  public Repricing(Client client, SchemaOptions schema, int windowSpans) {
    if (windowSpans <= 0) {
      throw new IllegalArgumentException("windowSpans must be positive");
    }
    this.windowSpans = windowSpans;
    this.client = client;
    this.schema = schema;
    this.db = schema.database();
    this.recomputer = new RollupRecomputer(client, schema);
  }

  /** Prices the matching spans again; with {@code dryRun} only reports what would change. */
  public Result run(Filter filter, Prices prices, boolean dryRun) {
    String spanFilter = spanFilter(filter);
    int examined = 0;
    int changed = 0;
    int newlyPriced = 0;
    BigDecimal before = BigDecimal.ZERO;
    BigDecimal after = BigDecimal.ZERO;
    int traces = 0;
    Map<List<String>, BigDecimal[]> conversations = new TreeMap<>(Repricing::compareKeys);
    Map<List<String>, Integer> conversationSpans = new LinkedHashMap<>();
    for (long[] w : windows(spanFilter)) {
      String windowFilter =
          spanFilter
              + " AND x.start_time >= "
              + SqlTemplate.nanos(w[0])
              + " AND x.start_time < "
              + SqlTemplate.nanos(w[1]);
      List<SpanCostRow> rows = new ArrayList<>();
      List<String> rowConversations = new ArrayList<>();
      for (GenericRecord r :
          query(ROWS.render("db", db, "columns", columns(), "span_filter", windowFilter))) {
        rows.add(row(r));
        String c = r.getString("rollup_conversation_id");
        rowConversations.add(
            c == null || c.isEmpty() ? r.getString(SpanColumns.CONVERSATION_ID.name()) : c);
      }
      List<SpanCostRow> written = new ArrayList<>();
      Set<List<String>> fresh = new LinkedHashSet<>();
      for (int i = 0; i < rows.size(); i++) {
        SpanCostRow stored = rows.get(i);
        examined++;
        SpanCostRow priced = prices.reprice(stored);
        if (priced == null || samePricing(stored, priced)) {
          continue;
        }
        changed++;
        if ("UNKNOWN_MODEL".equals(stored.get(SpanColumns.PRICING_STATUS))
            && "PRICED".equals(priced.get(SpanColumns.PRICING_STATUS))) {
          newlyPriced++;
        }
        before = before.add(stored.totalCost());
        after = after.add(priced.totalCost());
        written.add(repriced(stored, priced));
        List<String> key = List.of(stored.authTenant(), rowConversations.get(i));
        if (!conversations.containsKey(key)) {
          fresh.add(key);
          conversations.put(key, new BigDecimal[] {BigDecimal.ZERO, BigDecimal.ZERO});
        }
        BigDecimal[] c = conversations.get(key);
        c[1] = c[1].add(priced.totalCost().subtract(stored.totalCost()));
        conversationSpans.merge(key, 1, Integer::sum);
        if (key.get(1).isEmpty()) {
          c[0] = c[0].add(stored.totalCost());
        }
      }
      // A conversation's "before" is its rollup as found before this run wrote any of its spans.
      storedTotals(fresh).forEach((k, total) -> conversations.get(k)[0] = total);
      if (!dryRun && !written.isEmpty()) {
        long version = serverNanos();
        List<SpanCostRow> versioned = new ArrayList<>(written.size());
        Set<TraceKey> keys = new LinkedHashSet<>();
        for (SpanCostRow r : written) {
          long v = Math.max(version, r.get(SpanColumns.ROW_VERSION) + 1);
          versioned.add(r.toBuilder().set(SpanColumns.ROW_VERSION, v).build());
          keys.add(new TraceKey(r.authTenant(), r.traceId()));
        }
        insert(versioned);
        traces += recomputer.recompute(keys).traces();
      }
    }
    if (!dryRun) {
      traces += recomputeStale(spanFilter);
    }
    List<ConversationChange> out = new ArrayList<>();
    conversations.forEach(
        (k, v) ->
            out.add(
                new ConversationChange(
                    k.get(0), k.get(1), v[0], v[0].add(v[1]), conversationSpans.get(k))));
    return new Result(examined, changed, newlyPriced, before, after, out, traces, dryRun);
  }

  /** The stored row with the new pricing, and the old total and catalog version for audit. */
  static SpanCostRow repriced(SpanCostRow stored, SpanCostRow priced) {
    SpanCostRow.Builder b = stored.toBuilder();
    for (SpanColumns.Column<?> c : PRICING_COLUMNS) {
      copy(b, c, priced);
    }
    return b.set(SpanColumns.PREVIOUS_TOTAL_COST, stored.totalCost())
        .set(SpanColumns.PREVIOUS_CATALOG_VERSION, stored.get(SpanColumns.CATALOG_VERSION))
        .build();
  }

  private static final List<SpanColumns.Column<?>> PRICING_COLUMNS =
      List.of(
          SpanColumns.INPUT_COST,
          SpanColumns.CACHE_READ_COST,
          SpanColumns.CACHE_WRITE_COST,
          SpanColumns.OUTPUT_COST,
          SpanColumns.REASONING_COST,
          SpanColumns.AUDIO_COST,
          SpanColumns.REQUEST_COST,
          SpanColumns.TOOL_COST,
          SpanColumns.TOTAL_COST,
          SpanColumns.PRICING_STATUS,
          SpanColumns.PRICING_REASON,
          SpanColumns.CATALOG_VERSION,
          SpanColumns.PRICE_ENTRY);

  /**
   * Whether a repricing would change nothing that matters: every amount (compared as numbers), the
   * status and the entry. A new catalog version or reason alone is not a change, so that a second
   * run writes nothing.
   */
  static boolean samePricing(SpanCostRow a, SpanCostRow b) {
    for (SpanColumns.Column<?> c : PRICING_COLUMNS) {
      if (c == SpanColumns.PRICING_REASON || c == SpanColumns.CATALOG_VERSION) {
        continue;
      }
      Object x = a.get(c);
      Object y = b.get(c);
      boolean same =
          x instanceof BigDecimal dx && y instanceof BigDecimal dy
              ? dx.compareTo(dy) == 0
              : Objects.equals(x, y);
      if (!same) {
        return false;
      }
    }
    return true;
  }

  @SuppressWarnings("unchecked")
  private static <T> void copy(SpanCostRow.Builder b, SpanColumns.Column<T> c, SpanCostRow from) {
    b.set(c, from.get(c));
  }

  /** The filter on {@code span_rows AS x}; every value goes in as a literal. */
  String spanFilter(Filter f) {
    long since = f.since().getEpochSecond() * 1_000_000_000L + f.since().getNano();
    StringBuilder s =
        new StringBuilder("x.start_time >= ")
            .append(SqlTemplate.nanos(since))
            .append(" AND x.operation != 'execute_tool' AND x.pricing_status IN ")
            .append(REPRICED_STATUSES);
    if (!f.model().isEmpty()) {
      String m = SqlTemplate.literal(f.model());
      s.append(" AND (x.response_model = ")
          .append(m)
          .append(" OR x.request_model = ")
          .append(m)
          .append(')');
    }
    if (!f.provider().isEmpty()) {
      s.append(" AND x.provider = ").append(SqlTemplate.literal(f.provider()));
    }
    if (!f.service().isEmpty()) {
      s.append(" AND x.service_name = ").append(SqlTemplate.literal(f.service()));
    }
    if (!f.tenant().isEmpty()) {
      String t = SqlTemplate.literal(f.tenant());
      s.append(" AND (x.auth_tenant = ")
          .append(t)
          .append(" OR x.tenant_id = ")
          .append(t)
          .append(" OR (x.auth_tenant, x.trace_id) IN (SELECT auth_tenant, trace_id FROM ")
          .append(db)
          .append(".trace_rollups FINAL WHERE tenant_id = ")
          .append(t)
          .append("))");
    }
    if (!f.conversation().isEmpty()) {
      String c = SqlTemplate.literal(f.conversation());
      s.append(" AND (x.conversation_id = ")
          .append(c)
          .append(" OR (x.auth_tenant, x.trace_id) IN (SELECT auth_tenant, trace_id FROM ")
          .append(db)
          .append(".trace_rollups FINAL WHERE conversation_id = ")
          .append(c)
          .append("))");
    }
    return s.toString();
  }

  /** Consecutive hours grouped while they hold at most {@code windowSpans} spans: [from, to). */
  private List<long[]> windows(String spanFilter) {
    List<long[]> out = new ArrayList<>();
    long from = -1;
    long to = -1;
    long spans = 0;
    for (GenericRecord r : query(WINDOWS.render("db", db, "span_filter", spanFilter))) {
      long hour = r.getLong("hour") * 1_000_000_000L;
      long n = r.getLong("spans");
      if (from >= 0 && spans + n > windowSpans) {
        out.add(new long[] {from, to});
        from = -1;
      }
      if (from < 0) {
        from = hour;
        spans = 0;
      }
      to = hour + HOUR_NANOS;
      spans += n;
    }
    if (from >= 0) {
      out.add(new long[] {from, to});
    }
    return out;
  }

  private int recomputeStale(String spanFilter) {
    List<TraceKey> stale = new ArrayList<>();
    for (GenericRecord r : query(STALE.render("db", db, "span_filter", spanFilter))) {
      stale.add(new TraceKey(r.getString("auth_tenant"), r.getString("trace_id")));
    }
    return stale.isEmpty() ? 0 : recomputer.recompute(stale).traces();
  }

  private Map<List<String>, BigDecimal> storedTotals(Set<List<String>> keys) {
    Map<List<String>, BigDecimal> out = new LinkedHashMap<>();
    StringBuilder values = new StringBuilder();
    for (List<String> k : keys) {
      if (!k.get(1).isEmpty()) {
        values
            .append(values.length() == 0 ? "" : ", ")
            .append('(')
            .append(SqlTemplate.literal(k.get(0)))
            .append(", ")
            .append(SqlTemplate.literal(k.get(1)))
            .append(')');
      }
    }
    if (values.length() == 0) {
      return out;
    }
    String conversations =
        "SELECT tupleElement(c, 1), tupleElement(c, 2) FROM (SELECT arrayJoin(["
            + values
            + "]) AS c)";
    for (GenericRecord r :
        query(CONVERSATION_TOTALS.render("db", db, "conversations", conversations))) {
      out.put(
          List.of(r.getString("auth_tenant"), r.getString("conversation_id")),
          r.getBigDecimal("total_cost"));
    }
    return out;
  }

  private static String columns() {
    StringBuilder s = new StringBuilder();
    for (SpanColumns.Column<?> c : SpanColumns.all()) {
      if (c.derived()) {
        continue;
      }
      s.append(s.length() == 0 ? "" : ", ");
      if (c.kind() == SpanColumns.Kind.TIME) {
        s.append("toUnixTimestamp64Nano(x.").append(c.name()).append(") AS ").append(c.name());
      } else {
        s.append("x.").append(c.name()).append(" AS ").append(c.name());
      }
    }
    return s.toString();
  }

  /** A stored row, by the kind of each of its columns. */
  static SpanCostRow row(GenericRecord r) {
    SpanCostRow.Builder b = SpanCostRow.builder();
    for (SpanColumns.Column<?> c : SpanColumns.all()) {
      if (!c.derived()) {
        set(b, c, value(r, c));
      }
    }
    return b.build();
  }

  private static Object value(GenericRecord r, SpanColumns.Column<?> c) {
    String n = c.name();
    return switch (c.kind()) {
      case STRING -> r.getString(n);
      case INTEGER, TIME -> r.getBigInteger(n).longValueExact();
      case MONEY -> r.getBigDecimal(n);
      case OPTIONAL_MONEY -> r.getObject(n) == null ? null : r.getBigDecimal(n);
      case TAGS -> {
        Map<?, ?> m = r.getObject(n) instanceof Map<?, ?> map ? map : Map.of();
        Map<String, String> tags = new TreeMap<>();
        m.forEach((k, v) -> tags.put(String.valueOf(k), String.valueOf(v)));
        yield tags;
      }
    };
  }

  @SuppressWarnings("unchecked")
  private static <T> void set(SpanCostRow.Builder b, SpanColumns.Column<T> c, Object value) {
    b.set(c, (T) value);
  }

  private void insert(List<SpanCostRow> rows) {
    if (encoder == null) {
      encoder = SpanRowBinary.spans(client.getTableSchema("span_rows", db));
    }
    GrowableBytes bytes = new GrowableBytes(rows.size() * 512);
    for (SpanCostRow r : rows) {
      encoder.append(bytes, r);
    }
    InsertSettings settings = new InsertSettings();
    if (schema.clustered()) {
      ClusterConsistency.writes(settings);
    }
    try {
      client
          .insert(db + ".span_rows", bytes.inputStream(), ClickHouseFormat.RowBinary, settings)
          .get(120, TimeUnit.SECONDS)
          .close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RepricingException("interrupted", e);
    } catch (Exception e) {
      Throwable cause = e instanceof java.util.concurrent.ExecutionException ? e.getCause() : e;
      throw new RepricingException("cannot write the repriced rows: " + cause.getMessage(), cause);
    }
  }

  private long serverNanos() {
    return query("SELECT toUInt64(toUnixTimestamp64Nano(now64(9))) AS now")
        .get(0)
        .getBigInteger("now")
        .longValueExact();
  }

  private List<GenericRecord> query(String sql) {
    QuerySettings settings = new QuerySettings();
    settings.serverSetting("do_not_merge_across_partitions_select_final", "1");
    if (schema.clustered()) {
      ClusterConsistency.reads(settings);
    }
    try {
      return client.queryAll(sql, settings);
    } catch (RuntimeException e) {
      throw new RepricingException("repricing query failed: " + e.getMessage(), e);
    }
  }

  private static int compareKeys(List<String> a, List<String> b) {
    int c = a.get(0).compareTo(b.get(0));
    return c != 0 ? c : a.get(1).compareTo(b.get(1));
  }
}
