package dev.costtrace.sink.infra;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.command.CommandSettings;
import com.clickhouse.client.api.query.GenericRecord;
import com.clickhouse.client.api.query.QuerySettings;
import dev.costtrace.config.Config;
import dev.costtrace.sink.PeriodicTask;
import dev.costtrace.sink.rollup.RollupRecomputer;
import dev.costtrace.sink.rollup.TraceKey;
import dev.costtrace.sink.schema.ClusterConsistency;
import dev.costtrace.sink.schema.SchemaOptions;
import dev.costtrace.sink.schema.SqlTemplate;
import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.logging.Logger;

/**
 * Allocates the infrastructure cost rules to the traces that used them, hour by hour, and brings
 * their rollups up to date. Every run (each {@code interval}), for each rule and each hour of the
 * last {@code window} that is due, it compares a digest of the hour's use (and the rule) with what
 * the hour's allocation was computed from ({@code infra_periods}); where they differ (a new hour,
 * late spans, a changed rule) it splits the hour's cost again ({@link InfraAllocation}), writes the
 * rows of every trace that has or had a share ({@code infra_allocations}), recomputes those traces'
 * rollups and their conversations' (the repricing's and repair's path, {@link RollupRecomputer}),
 * and then records the hour. An hour is due once it is over and {@code grace} has passed (late
 * spans) with an actual rate; at once, and again as it fills, with a fixed rate (a trace's share
 * does not depend on the others). A rule taken out of the file has its hours in the window zeroed.
 *
 * <p>One leader: each run writes a heartbeat ({@code infra_allocator_runs}) and skips its work
 * while another allocator's heartbeat is fresh, so with several receivers against one ClickHouse
 * one allocates, and another takes over a few intervals after it stops. Deterministic besides: the
 * same spans and rules give the same rows, so two allocators that both allocate an hour (both
 * started together) write the same thing (the newest version wins, and each run allocates an hour
 * again if its rows no longer add up to what it allocated). Idempotent after any crash: the hour's
 * record is written last.
 */
public final class InfraAllocator implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(InfraAllocator.class.getName());
  private static final long HOUR = 3600;
  private static final int INSERT_ROWS = 10_000;

  private static final SqlTemplate BY_TRACE =
      SqlTemplate.load(InfraAllocator.class, "usage_by_trace.sql");
  private static final SqlTemplate BY_CONVERSATION =
      SqlTemplate.load(InfraAllocator.class, "usage_by_conversation.sql");
  private static final SqlTemplate DIGESTS =
      SqlTemplate.load(InfraAllocator.class, "usage_digests.sql");
  private static final SqlTemplate PERIODS = SqlTemplate.load(InfraAllocator.class, "periods.sql");
  private static final SqlTemplate PREVIOUS =
      SqlTemplate.load(InfraAllocator.class, "previous_allocations.sql");

  private final Client client;
  private final boolean ownsClient;
  private final String db;
  private final boolean clustered;
  private final Supplier<InfraRules> rules;
  private final Duration interval;
  private final Duration grace;
  private final Duration window;
  private final RollupRecomputer recomputer;
  private final PeriodicTask task;
  private final AtomicLong runs = new AtomicLong();
  private final AtomicLong hoursAllocated = new AtomicLong();
  private final AtomicLong tracesRecomputed = new AtomicLong();
  private volatile long lastMillis;
  private volatile boolean leading;

  /** Who this allocator is in the heartbeats: host and a random ID of this process's allocator. */
  private final String holder = host() + "/" + java.util.UUID.randomUUID();

  /**
   * What the allocator has done so far.
   *
   * @param runs runs completed
   * @param failures runs that could not complete (ClickHouse unreachable, ...)
   * @param hoursAllocated (rule, hour) periods allocated, again or for the first time
   * @param tracesRecomputed trace rollups recomputed because their allocation changed
   * @param lastMillis how long the last run took
   * @param leading whether the last run led (another receiver's allocator leads otherwise)
   */
  public record Status(
      long runs,
      long failures,
      long hoursAllocated,
      long tracesRecomputed,
      long lastMillis,
      boolean leading) {}

  /**
   * What one run did: whether it led (or followed another receiver's allocator and did nothing),
   * the periods it allocated and the traces whose rollups it recomputed.
   */
  public record Run(boolean led, int hours, int traces) {}

  private InfraAllocator(Builder b) {
    this.client = b.client;
    this.ownsClient = b.ownsClient;
    this.db = b.schema.database();
    this.clustered = b.schema.clustered();
    this.rules = b.rules;
    this.interval = b.interval;
    this.grace = b.grace;
    this.window = b.window;
    this.recomputer = new RollupRecomputer(b.client, b.schema);
    this.task = new PeriodicTask("infra allocator", this::runLogged);
  }

  public static Builder builder(SchemaOptions schema) {
    return new Builder(schema);
  }

  /** Starts allocating: a first run now, then every interval. */
  public InfraAllocator start() {
    task.start(Duration.ZERO, interval);
    return this;
  }

  public Status status() {
    return new Status(
        runs.get(),
        task.failures(),
        hoursAllocated.get(),
        tracesRecomputed.get(),
        lastMillis,
        leading);
  }

  /**
   * One run now, on the caller's thread (one at a time: the scheduled runs and this share a lock):
   * {@link #allocate()} if this allocator leads, that is, unless another one's heartbeat is newer
   * than {@link #staleAfter()}; then its own heartbeat.
   */
  public synchronized Run runOnce() {
    GenericRecord newest =
        query(
                "SELECT argMax(holder, at) AS holder, count() AS n FROM "
                    + db
                    + ".infra_allocator_runs WHERE at >= now64(3) - toIntervalMillisecond("
                    + staleAfter().toMillis()
                    + ")")
            .get(0);
    if (newest.getLong("n") > 0 && !newest.getString("holder").equals(holder)) {
      leading = false;
      runs.incrementAndGet();
      return new Run(false, 0, 0);
    }
    execute(
        "INSERT INTO "
            + db
            + ".infra_allocator_runs (holder, at) VALUES ("
            + SqlTemplate.literal(holder)
            + ", now64(3))");
    leading = true;
    return allocate();
  }

  /** How old the newest heartbeat of another allocator may be for this one to follow it. */
  Duration staleAfter() {
    return interval.multipliedBy(3).plusSeconds(10);
  }

  /**
   * Allocates every due hour whose use or rule changed, whoever leads (a command, a test); one at a
   * time with {@link #runOnce()}.
   */
  public synchronized Run allocate() {
    // Records of a run that failed part-way are not written: their hours are allocated again.
    pendingRecords.clear();
    long started = System.nanoTime();
    long nowNanos = serverNanos();
    long now = Math.floorDiv(nowNanos, 1_000_000_000L);
    long from = floorHour(now - window.toSeconds());
    InfraRules current = rules.get();
    Map<String, Stored> stored = stored(from, floorHour(now) + HOUR);
    Set<TraceKey> touched = new TreeSet<>();
    int hours = 0;
    Set<String> names = new HashSet<>();
    for (InfraRule rule : current.rules()) {
      names.add(rule.name());
      long to =
          rule.rate() == InfraRule.Rate.FIXED
              ? floorHour(now) + HOUR
              : floorHour(now - grace.toSeconds());
      if (to <= from) {
        continue;
      }
      String ruleDigest = InfraRules.of(List.of(rule)).version();
      Map<Long, String> digests = new HashMap<>();
      for (GenericRecord r : query(DIGESTS.render("usage", usage(rule, from, to)))) {
        digests.put(r.getLong("hour"), r.getString("digest"));
      }
      for (long hour = from; hour < to; hour += HOUR) {
        String digest = digests.getOrDefault(hour, "0");
        Stored s = stored.get(rule.name() + "@" + hour);
        if (s != null
            && s.ruleDigest().equals(ruleDigest)
            && s.usageDigest().equals(digest)
            && s.allocated().compareTo(s.rowsUsd()) == 0) {
          continue;
        }
        touched.addAll(allocate(rule, ruleDigest, hour, digest, nowNanos));
        hours++;
      }
    }
    // Rules no longer in the file: their hours in the window are zeroed and marked deleted.
    Map<String, List<Long>> gone = new HashMap<>();
    for (Stored s : stored.values()) {
      if (!names.contains(s.rule())) {
        gone.computeIfAbsent(s.rule(), k -> new ArrayList<>()).add(s.hour());
      }
    }
    List<Runnable> records = new ArrayList<>();
    for (Map.Entry<String, List<Long>> e : gone.entrySet()) {
      for (long hour : e.getValue()) {
        touched.addAll(zero(e.getKey(), hour, Set.of(), nowNanos));
        records.add(() -> recordDeleted(e.getKey(), hour, nowNanos));
        hours++;
      }
    }
    if (!touched.isEmpty()) {
      recomputer.recompute(touched);
    }
    records.forEach(Runnable::run);
    pendingRecords.forEach(Runnable::run);
    pendingRecords.clear();
    hoursAllocated.addAndGet(hours);
    tracesRecomputed.addAndGet(touched.size());
    lastMillis = (System.nanoTime() - started) / 1_000_000;
    runs.incrementAndGet();
    return new Run(true, hours, touched.size());
  }

  /** Hour records waiting for the rollups of their traces: written last, so a crash redoes them. */
  private final List<Runnable> pendingRecords = new ArrayList<>();

  private record Stored(
      String rule,
      long hour,
      String ruleDigest,
      String usageDigest,
      BigDecimal allocated,
      BigDecimal rowsUsd) {}

  private Map<String, Stored> stored(long from, long to) {
    Map<String, Stored> out = new HashMap<>();
    for (GenericRecord r : query(PERIODS.render("db", db, "from", "" + from, "to", "" + to))) {
      Stored s =
          new Stored(
              r.getString("rule"),
              r.getLong("hour"),
              r.getString("rule_digest"),
              r.getString("usage_digest"),
              r.getBigDecimal("allocated"),
              r.getBigDecimal("rows_usd"));
      out.put(s.rule() + "@" + s.hour(), s);
    }
    return out;
  }

  /** Allocates one hour of one rule; returns the traces whose rows it wrote. */
  private Set<TraceKey> allocate(
      InfraRule rule, String ruleDigest, long hour, String usageDigest, long version) {
    List<InfraAllocation.Use> uses = new ArrayList<>();
    Map<TraceKey, Long> spans = new HashMap<>();
    for (GenericRecord r : query(usage(rule, hour, hour + HOUR))) {
      String tenant = r.getString("auth_tenant");
      String trace = r.getString("trace_id");
      BigDecimal units = BigDecimal.valueOf(r.getLong("units"));
      if (rule.unit() == InfraRule.Unit.PER_SECOND) {
        units = units.movePointLeft(9); // nanoseconds
      }
      uses.add(new InfraAllocation.Use(tenant, trace, units));
      spans.put(new TraceKey(tenant, trace), r.getLong("spans"));
    }
    BigDecimal cost = rule.hourCost(Instant.ofEpochSecond(hour));
    List<InfraAllocation.Share> shares = InfraAllocation.split(rule, cost, uses);
    List<String> rows = new ArrayList<>();
    Set<TraceKey> written = new HashSet<>();
    BigDecimal allocated = BigDecimal.ZERO;
    BigDecimal units = BigDecimal.ZERO;
    for (InfraAllocation.Share s : shares) {
      if (s.traceId() == null) {
        continue;
      }
      TraceKey k = new TraceKey(s.authTenant(), s.traceId());
      written.add(k);
      allocated = allocated.add(s.usd());
      units = units.add(s.units());
      rows.add(row(k, rule.name(), hour, s.units(), spans.get(k), s.usd(), ruleDigest, version));
    }
    insertRows(rows);
    Set<TraceKey> touched = new HashSet<>(written);
    touched.addAll(zero(rule.name(), hour, written, version));
    BigDecimal idle = InfraAllocation.idle(shares);
    BigDecimal total = allocated;
    BigDecimal used = units;
    pendingRecords.add(
        () ->
            execute(
                "INSERT INTO "
                    + db
                    + ".infra_periods (rule, hour, rule_digest, usage_digest, hour_cost, allocated,"
                    + " idle, traces, units, rule_json, version, is_deleted) VALUES ("
                    + String.join(
                        ", ",
                        SqlTemplate.literal(rule.name()),
                        Long.toString(hour),
                        SqlTemplate.literal(ruleDigest),
                        SqlTemplate.literal(usageDigest),
                        decimal(cost),
                        decimal(total),
                        decimal(idle),
                        Integer.toString(written.size()),
                        decimal(used),
                        SqlTemplate.literal(InfraRules.of(List.of(rule)).canonicalJson()),
                        Long.toString(version),
                        "0")
                    + ")"));
    return touched;
  }

  /**
   * Writes zero rows for the traces that had a row of this hour and are not in {@code keep};
   * returns them.
   */
  private Set<TraceKey> zero(String rule, long hour, Set<TraceKey> keep, long version) {
    List<String> rows = new ArrayList<>();
    Set<TraceKey> zeroed = new HashSet<>();
    for (GenericRecord r :
        query(
            PREVIOUS.render(
                "db", db, "rule", SqlTemplate.literal(rule), "hour", Long.toString(hour)))) {
      TraceKey k = new TraceKey(r.getString("auth_tenant"), r.getString("trace_id"));
      if (!keep.contains(k)) {
        zeroed.add(k);
        rows.add(row(k, rule, hour, BigDecimal.ZERO, 0, BigDecimal.ZERO, "", version));
      }
    }
    insertRows(rows);
    return zeroed;
  }

  private void recordDeleted(String rule, long hour, long version) {
    execute(
        "INSERT INTO "
            + db
            + ".infra_periods (rule, hour, version, is_deleted) VALUES ("
            + SqlTemplate.literal(rule)
            + ", "
            + hour
            + ", "
            + version
            + ", 1)");
  }

  private String usage(InfraRule rule, long from, long to) {
    String match = match(rule.match());
    if (rule.unit() == InfraRule.Unit.PER_CONVERSATION) {
      return BY_CONVERSATION.render("db", db, "match", match, "from", "" + from, "to", "" + to);
    }
    return BY_TRACE.render(
        "db",
        db,
        "match",
        match,
        "from",
        "" + from,
        "to",
        "" + to,
        "per_second",
        rule.unit() == InfraRule.Unit.PER_SECOND ? "1" : "0",
        "use_within",
        Long.toString(InfraRule.USE_WITHIN.toSeconds()));
  }

  /** The rule's match as a condition on {@code span_rows AS x}. */
  static String match(InfraRule.Match m) {
    List<String> terms = new ArrayList<>();
    if (m.service() != null) {
      terms.add("x.service_name = " + SqlTemplate.literal(m.service()));
    }
    if (m.provider() != null) {
      terms.add("x.provider = " + SqlTemplate.literal(m.provider()));
    }
    if (m.model() != null) {
      terms.add(
          "if(x.response_model != '', x.response_model, x.request_model) = "
              + SqlTemplate.literal(m.model()));
    }
    if (m.tool() != null) {
      terms.add("x.operation = 'execute_tool' AND x.tool_name = " + SqlTemplate.literal(m.tool()));
    }
    return terms.isEmpty() ? "1" : String.join(" AND ", terms);
  }

  private static String row(
      TraceKey k,
      String rule,
      long hour,
      BigDecimal units,
      long spans,
      BigDecimal usd,
      String ruleDigest,
      long version) {
    return "("
        + String.join(
            ", ",
            SqlTemplate.literal(k.authTenant()),
            SqlTemplate.literal(k.traceId()),
            SqlTemplate.literal(rule),
            Long.toString(hour),
            decimal(units),
            Long.toString(spans),
            decimal(usd),
            SqlTemplate.literal(ruleDigest),
            Long.toString(version))
        + ")";
  }

  private static String decimal(BigDecimal v) {
    return "toDecimal128('" + v.toPlainString() + "', 12)";
  }

  private void insertRows(List<String> rows) {
    for (int i = 0; i < rows.size(); i += INSERT_ROWS) {
      execute(
          "INSERT INTO "
              + db
              + ".infra_allocations (auth_tenant, trace_id, rule, hour, units, spans, usd,"
              + " rule_digest, version) VALUES "
              + String.join(", ", rows.subList(i, Math.min(rows.size(), i + INSERT_ROWS))));
    }
  }

  private static String host() {
    try {
      return java.net.InetAddress.getLocalHost().getHostName();
    } catch (java.io.IOException e) {
      return "unknown-host";
    }
  }

  private static long floorHour(long epochSeconds) {
    return Math.floorDiv(epochSeconds, HOUR) * HOUR;
  }

  private long serverNanos() {
    return query("SELECT toUnixTimestamp64Nano(now64(9)) AS now").get(0).getLong("now");
  }

  private List<GenericRecord> query(String sql) {
    QuerySettings settings = new QuerySettings();
    settings.serverSetting("max_query_size", Integer.toString(64 << 20));
    return client.queryAll(sql, clustered ? ClusterConsistency.reads(settings) : settings);
  }

  private void execute(String sql) {
    CommandSettings settings = new CommandSettings();
    settings.serverSetting("max_query_size", Integer.toString(64 << 20));
    if (clustered) {
      ClusterConsistency.writesAndReads(settings);
    }
    try {
      client.execute(sql, settings).get(2, TimeUnit.MINUTES).close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    } catch (Exception e) {
      throw new IllegalStateException("infra allocation write failed: " + e.getMessage(), e);
    }
  }

  private void runLogged() {
    Run r = runOnce();
    if (r.hours() > 0) {
      LOG.fine("infra: allocated " + r.hours() + " hours, " + r.traces() + " traces");
    }
  }

  @Override
  public void close() {
    task.close(Duration.ofSeconds(30));
    if (ownsClient) {
      client.close();
    }
  }

  /** Builder for {@link InfraAllocator}; every default is here. */
  public static final class Builder {
    public static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(1);
    public static final Duration DEFAULT_GRACE = Duration.ofMinutes(10);
    public static final Duration DEFAULT_WINDOW = Duration.ofHours(48);

    private final SchemaOptions schema;
    private Client client;
    private boolean ownsClient;
    private Supplier<InfraRules> rules;
    private Duration interval = DEFAULT_INTERVAL;
    private Duration grace = DEFAULT_GRACE;
    private Duration window = DEFAULT_WINDOW;

    private Builder(SchemaOptions schema) {
      this.schema = Objects.requireNonNull(schema, "schema");
    }

    /**
     * {@code costtrace.infra.costs} (the rules file, read now: a bad one fails naming the key),
     * {@code costtrace.infra.interval} (1m), {@code .grace} (10m), {@code .window} (48h). Without a
     * rules file, {@link #enabled()} is false.
     */
    public Builder fromConfig(Config config) {
      config
          .getString(InfraRulesFile.CONFIG_KEY)
          .ifPresent(
              f -> {
                try {
                  rules(InfraRulesFile.open(java.nio.file.Path.of(f)));
                } catch (IllegalArgumentException e) {
                  throw Config.invalid(InfraRulesFile.CONFIG_KEY, f, e.getMessage());
                }
              });
      set(config, "costtrace.infra.interval", this::interval);
      set(config, "costtrace.infra.grace", this::grace);
      set(config, "costtrace.infra.window", this::window);
      return this;
    }

    private static void set(
        Config config, String key, java.util.function.Consumer<Duration> setter) {
      config
          .getDuration(key)
          .ifPresent(
              d -> {
                try {
                  setter.accept(d);
                } catch (IllegalArgumentException e) {
                  throw Config.invalid(key, d.toString(), e.getMessage());
                }
              });
    }

    /** Where the rules come from (a file read again as it changes, or fixed rules). */
    public Builder rules(Supplier<InfraRules> rules) {
      this.rules = Objects.requireNonNull(rules, "rules");
      return this;
    }

    public Builder interval(Duration interval) {
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("interval must be positive");
      }
      this.interval = interval;
      return this;
    }

    /** How long after an hour ends its use is taken as complete (late spans), actual rate. */
    public Builder grace(Duration grace) {
      if (grace.isNegative()) {
        throw new IllegalArgumentException("grace must be non-negative");
      }
      this.grace = grace;
      return this;
    }

    /** How far back hours are allocated, and again when their use or rule changes. */
    public Builder window(Duration window) {
      if (window.compareTo(Duration.ofHours(1)) < 0) {
        throw new IllegalArgumentException("window must be at least 1h");
      }
      this.window = window;
      return this;
    }

    /** The client-v2 client; {@code owns}: close it with the allocator. */
    public Builder client(Client client, boolean owns) {
      this.client = Objects.requireNonNull(client, "client");
      this.ownsClient = owns;
      return this;
    }

    /** Whether there are rules to allocate ({@code costtrace.infra.costs} is set). */
    public boolean enabled() {
      return rules != null;
    }

    public InfraAllocator build() {
      Objects.requireNonNull(client, "client");
      Objects.requireNonNull(rules, "rules");
      return new InfraAllocator(this);
    }
  }
}
