package dev.costtrace.bench.faults;

import static org.awaitility.Awaitility.await;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.costtrace.sink.rollup.RollupVerifier;
import dev.costtrace.sink.schema.SchemaOptions;
import dev.costtrace.testing.faults.ClickHouseFaultProxy;
import dev.costtrace.testing.faults.ClickHouseFaultProxy.Moment;
import dev.costtrace.testing.faults.EngineProcess;
import dev.costtrace.testing.faults.ServeProcess;
import dev.costtrace.testing.faults.TurnLoad;
import io.opentelemetry.sdk.trace.data.SpanData;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The fault soak, outside CI: many rounds of each kill under load, with the built {@code costtrace
 * serve} and the embedded engine as processes, real OTLP from the SDK's exporter. Kills: the
 * receiver (SIGKILL mid-load, restarted, the exporters sending again what was not acknowledged and
 * a third of what was), and the engine (SIGKILL at each point of a batch, through the
 * query-watching proxy, then started again). After every round: spans acknowledged, lost
 * (acknowledged and not stored), doubled (stored and read more than once), rollups that differ from
 * their recomputation, and conversations whose cost is not the load's.
 *
 * <pre>java -cp benchmarks/target/benchmarks.jar dev.costtrace.bench.faults.FaultSoak \
 *     otlp-receiver/cli/target/costtrace.jar [rounds] [turns per round]</pre>
 *
 * Writes {@code benchmarks/results/faults.json}; {@code faults.md} quotes it.
 */
public final class FaultSoak {
  private FaultSoak() {}

  /** One kind of kill. */
  private record Kind(String name, Pattern sql, Moment moment) {}

  private static final List<Kind> ENGINE_KILLS =
      List.of(
          new Kind("engine: before the span rows", insertInto("span_rows"), Moment.BEFORE),
          new Kind(
              "engine: while ClickHouse takes the span rows",
              insertInto("span_rows"),
              Moment.DURING),
          new Kind(
              "engine: after the span rows, answer lost", insertInto("span_rows"), Moment.AFTER),
          new Kind(
              "engine: between span rows and observations",
              insertInto("span_attributions"),
              Moment.BEFORE),
          new Kind(
              "engine: between observations and trace rollups",
              insertInto("trace_rollups"),
              Moment.BEFORE),
          new Kind(
              "engine: between trace and conversation rollups",
              insertInto("conversation_rollups"),
              Moment.BEFORE));

  private static Pattern insertInto(String table) {
    return Pattern.compile("INSERT INTO \\w+\\." + table + "\\b");
  }

  /** What the rounds of one kind add up to. */
  private static final class Tally {
    int rounds;
    long exportsAcknowledged;
    long spansAcknowledged;
    long lost;
    long doubled;
    long physicalDuplicates;
    long rollupDifferences;
    int roundsWithRollupDifferences;
    long conversationsWrong;
    double maxRecoverySeconds;

    /** Loads already counted in the rounds before. */
    int loadsCounted;
  }

  public static void main(String[] args) throws Exception {
    Path jar = Path.of(args.length > 0 ? args[0] : "otlp-receiver/cli/target/costtrace.jar");
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    int turns = args.length > 2 ? Integer.parseInt(args[2]) : 200;
    Path dir = Files.createTempDirectory("costtrace-fault-soak");
    Map<String, Tally> tallies = new LinkedHashMap<>();
    Instant started = Instant.now();
    try (EngineProcess engine = new EngineProcess(dir.resolve("engine"))) {
      engine.start();
      tallies.put(
          "receiver: SIGKILL mid-load, restart, retries incl. stored",
          receiverKills(jar, engine, dir, rounds, turns));
      for (Kind k : ENGINE_KILLS) {
        tallies.put(k.name(), engineKills(jar, engine, dir, k, rounds, turns));
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("date", started.toString());
    out.put("minutes", Duration.between(started, Instant.now()).toSeconds() / 60.0);
    out.put("rounds_per_kind", rounds);
    out.put("turns_per_round", turns);
    out.put("llm_spans_per_turn", TurnLoad.CALLS_PER_TURN);
    Map<String, Object> kinds = new LinkedHashMap<>();
    tallies.forEach(
        (name, t) -> {
          Map<String, Object> m = new LinkedHashMap<>();
          m.put("rounds", t.rounds);
          m.put("exports_acknowledged", t.exportsAcknowledged);
          m.put("spans_acknowledged", t.spansAcknowledged);
          m.put("spans_lost", t.lost);
          m.put("spans_doubled", t.doubled);
          m.put("rows_stored_twice_before_merge", t.physicalDuplicates);
          m.put("rollup_differences_at_the_end", t.rollupDifferences);
          m.put("rounds_with_rollup_differences", t.roundsWithRollupDifferences);
          m.put("conversations_with_a_wrong_cost", t.conversationsWrong);
          m.put(
              "max_seconds_to_all_visible_after_restart",
              Math.round(t.maxRecoverySeconds * 10) / 10.0);
          kinds.put(name, m);
        });
    out.put("kinds", kinds);
    String json =
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(out);
    Path file = Path.of(System.getProperty("bench.out", "benchmarks/results/faults.json"));
    Files.createDirectories(file.getParent());
    Files.writeString(file, json + "\n");
    System.out.println(json);
    System.exit(0);
  }

  private static Tally receiverKills(
      Path jar, EngineProcess engine, Path dir, int rounds, int turns) throws Exception {
    String db = "soak_receiver";
    Tally t = new Tally();
    List<TurnLoad> loads = new ArrayList<>();
    try (ServeProcess receiver =
        new ServeProcess(
                jar,
                ServeProcess.environment(
                    engine, engine.endpoint().httpUrl(), db, dir.resolve("receiver-buffer")),
                dir.resolve("receiver.log"),
                List.of("-Xmx512m"))
            .start()) {
      for (int round = 0; round < rounds; round++) {
        TurnLoad load = new TurnLoad(turns, turns / 10, "r" + round + "-conv-", 5, 0);
        loads.add(load);
        String url = receiver.tracesUrl();
        CompletableFuture<Integer> sending =
            CompletableFuture.supplyAsync(() -> load.send(url, null, load.exports(), 4));
        int killAfter = load.exports().size() / 3;
        await()
            .atMost(Duration.ofMinutes(2))
            .pollInterval(Duration.ofMillis(2))
            .until(
                () ->
                    load.exports().size() - load.unacknowledged().size() >= killAfter
                        || sending.isDone());
        receiver.kill();
        sending.join();
        long restart = System.nanoTime();
        receiver.start();
        List<TurnLoad.Export> again = new ArrayList<>(load.unacknowledged());
        for (int i = 0; i < load.exports().size(); i += 3) {
          if (load.exports().get(i).acknowledged()) {
            again.add(load.exports().get(i));
          }
        }
        while (!load.unacknowledged().isEmpty() || !again.isEmpty()) {
          load.send(receiver.tracesUrl(), null, again, 4);
          again = new ArrayList<>(load.unacknowledged());
        }
        check(engine, receiver, db, loads, t, restart);
        System.out.printf(
            Locale.ROOT,
            "receiver kill round %d: lost %d, doubled %d, rollup differences %d%n",
            round,
            t.lost,
            t.doubled,
            t.rollupDifferences);
      }
    }
    return t;
  }

  private static Tally engineKills(
      Path jar, EngineProcess engine, Path dir, Kind kind, int rounds, int turns) throws Exception {
    String db = "soak_engine_" + ENGINE_KILLS.indexOf(kind);
    Tally t = new Tally();
    List<TurnLoad> loads = new ArrayList<>();
    try (ClickHouseFaultProxy proxy = new ClickHouseFaultProxy(engine.port());
        ServeProcess receiver =
            new ServeProcess(
                    jar,
                    ServeProcess.environment(engine, proxy.url(), db, dir.resolve(db + "-buffer")),
                    dir.resolve(db + ".log"),
                    List.of("-Xmx512m"))
                .start()) {
      for (int round = 0; round < rounds; round++) {
        TurnLoad load = new TurnLoad(turns, turns / 10, "e" + round + "-conv-", 5, 0);
        loads.add(load);
        CountDownLatch killed = proxy.arm(kind.sql(), 1 + round % 3, kind.moment(), engine::kill);
        load.send(receiver.tracesUrl(), null, load.exports(), 4);
        // The sink batches by size and age, so a loaded machine may write the round's load in fewer
        // batches than the kill waits for: more load (counted like the rest) until it comes.
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        for (int more = 0; !killed.await(2, TimeUnit.SECONDS); more++) {
          if (System.nanoTime() > deadline) {
            throw new IllegalStateException(
                kind.name() + ": the kill did not happen in round " + round);
          }
          TurnLoad extra = new TurnLoad(20, 2, "e" + round + "-more" + more + "-conv-", 5, 0);
          loads.add(extra);
          extra.send(receiver.tracesUrl(), null, extra.exports(), 4);
        }
        long restart = System.nanoTime();
        engine.start();
        for (TurnLoad l : loads.subList(loads.indexOf(load), loads.size())) {
          while (!l.unacknowledged().isEmpty()) {
            l.send(receiver.tracesUrl(), null, l.unacknowledged(), 4);
          }
        }
        check(engine, receiver, db, loads, t, restart);
        System.out.printf(
            Locale.ROOT,
            "%s round %d: lost %d, doubled %d, rollup differences %d%n",
            kind.name(),
            round,
            t.lost,
            t.doubled,
            t.rollupDifferences);
      }
    }
    return t;
  }

  /**
   * Waits until the receiver has written everything it acknowledged, rollups included (nothing
   * pending in its buffer), or two minutes pass; then tallies what is not right. Not "as many rows
   * as acknowledged": rows of requests whose answer was lost count too, and would end the wait
   * early.
   */
  private static void check(
      EngineProcess engine,
      ServeProcess receiver,
      String db,
      List<TurnLoad> loads,
      Tally t,
      long restartNanos) {
    Set<String> acknowledged = new HashSet<>();
    Map<String, BigDecimal> expected = new HashMap<>();
    for (TurnLoad l : loads) {
      for (TurnLoad.Export e : l.exports()) {
        for (SpanData s : e.spans()) {
          if (e.acknowledged() && s.getParentSpanContext().isValid()) {
            acknowledged.add(s.getTraceId() + s.getSpanId());
          }
        }
      }
      l.expectedCosts().forEach((k, v) -> expected.put(k, v.stripTrailingZeros()));
    }
    try (Client c = engine.endpoint().newClient("default")) {
      try {
        await()
            .atMost(Duration.ofMinutes(2))
            .pollInterval(Duration.ofMillis(200))
            .ignoreExceptions()
            .until(() -> receiver.metric("costtrace_sink_pending_bytes") == 0);
      } catch (org.awaitility.core.ConditionTimeoutException e) {
        // counted below as lost or wrong
      }
      t.maxRecoverySeconds =
          Math.max(t.maxRecoverySeconds, (System.nanoTime() - restartNanos) / 1e9);
      Set<String> stored = new HashSet<>();
      for (GenericRecord r : c.queryAll("SELECT trace_id, span_id FROM " + db + ".spans")) {
        stored.add(r.getString("trace_id") + r.getString("span_id"));
      }
      long lost = acknowledged.stream().filter(k -> !stored.contains(k)).count();
      GenericRecord d =
          c.queryAll(
                  "SELECT count() - uniqExact(trace_id, span_id) AS doubled FROM " + db + ".spans")
              .get(0);
      long physical =
          c.queryAll(
                  "SELECT count() - uniqExact(auth_tenant, trace_id, span_id) AS n FROM "
                      + db
                      + ".span_rows")
              .get(0)
              .getLong("n");
      Map<String, BigDecimal> costs = new HashMap<>();
      for (GenericRecord r :
          c.queryAll("SELECT conversation_id, total_cost FROM " + db + ".conversation_costs")) {
        costs.put(
            r.getString("conversation_id"), r.getBigDecimal("total_cost").stripTrailingZeros());
      }
      long wrong =
          expected.entrySet().stream()
              .filter(e -> !e.getValue().equals(costs.get(e.getKey())))
              .count();
      RollupVerifier.Report report =
          new RollupVerifier(c, new SchemaOptions(db, "", Duration.ZERO))
              .verify(Duration.ofDays(1));
      t.rounds++;
      for (TurnLoad l : loads.subList(t.loadsCounted, loads.size())) { // this round's
        t.exportsAcknowledged += l.exports().stream().filter(TurnLoad.Export::acknowledged).count();
        t.spansAcknowledged += l.calls();
      }
      t.loadsCounted = loads.size();
      t.lost = lost;
      t.doubled = d.getLong("doubled");
      t.physicalDuplicates = physical;
      t.rollupDifferences = report.differences().size();
      t.roundsWithRollupDifferences += report.clean() ? 0 : 1;
      t.conversationsWrong = wrong;
    }
  }
}
