package dev.costtrace.bench.sink;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.command.CommandSettings;
import com.clickhouse.client.api.query.GenericRecord;
import dev.costtrace.config.Config;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.engine.ClickHouseResolver;
import dev.costtrace.sink.infra.InfraAllocator;
import dev.costtrace.sink.infra.InfraRules;
import dev.costtrace.sink.rollup.RollupRecomputer;
import dev.costtrace.sink.schema.Migrator;
import dev.costtrace.sink.schema.SchemaOptions;
import dev.costtrace.sink.schema.SqlTemplate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What infrastructure cost adds, in one run on one engine. (1) The writer's per-batch trace rollup
 * recomputation with the allocations joined in (the shipped {@code trace_rollups.sql}) against the
 * same query without that join (as before), alternating, on the same 5,000 traces, with and without
 * allocation rows stored for them. (2) The allocator over a window of spans: the first run (every
 * hour of the window allocated, every trace recomputed), a run with nothing changed (what each
 * interval costs), and a run after one late span (one hour allocated again).
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar
 * dev.costtrace.bench.sink.InfraAllocationBenchmark [spans] [rounds]} (defaults 1000000 and 5).
 * Results: benchmarks/results/infra-allocation.md and .json.
 */
public final class InfraAllocationBenchmark {
  private static final String RULES =
      "rules:\n"
          + "  - {name: gpu, match: {service: inference-svc}, monthly_usd: 7200,"
          + " allocate: per_second}\n"
          + "  - {name: vector-db, match: {service: rag-svc}, hourly_usd: 0.9,"
          + " allocate: per_call}\n";

  private InfraAllocationBenchmark() {}

  public static void main(String[] args) throws Exception {
    long spans = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000L;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    Path tmp = Files.createTempDirectory("costtrace-infra-bench");
    Config config =
        Config.fromEnvironment()
            .withOverrides(
                Map.of("costtrace.clickhouse.embedded.dir", tmp.resolve("engine").toString()));
    // 47 hours of spans ending an hour ago: every hour of a 48 h window is closed.
    Instant start = Instant.now().truncatedTo(ChronoUnit.HOURS).minus(48, ChronoUnit.HOURS);
    long seconds = Duration.ofHours(47).toSeconds();
    String db = "bench_infra";
    SchemaOptions schema = new SchemaOptions(db, "", Duration.ZERO);
    try (ClickHouseEndpoint endpoint = ClickHouseResolver.resolve(config);
        Client client = endpoint.newClient("default")) {
      client.execute("DROP DATABASE IF EXISTS " + db).get().close();
      new Migrator(client, schema).up();
      long gen = System.nanoTime();
      // 5 spans a trace, 10 traces a conversation, two services, 1-20 s each.
      exec(
          client,
          "INSERT INTO "
              + db
              + ".span_rows (trace_id, span_id, start_time, end_time, service_name,"
              + " conversation_id, provider, response_model, operation, input_tokens,"
              + " output_tokens, total_cost, pricing_status) SELECT"
              + " lower(hex(MD5(toString(intDiv(number, 5))))) AS trace_id,"
              + " substring(lower(hex(MD5(toString(number)))), 1, 16) AS span_id,"
              + " toDateTime64("
              + start.getEpochSecond()
              + ", 9, 'UTC') + toIntervalMillisecond(intDiv(intDiv(number, 5) * "
              + seconds * 1000
              + ", "
              + Math.max(1, spans / 5)
              + ") + number % 5) AS start_time,"
              + " start_time + toIntervalMillisecond(1000 + (number % 19) * 1000) AS end_time,"
              + " if(intDiv(number, 5) % 2 = 0, 'inference-svc', 'rag-svc'),"
              + " concat('conv-', toString(intDiv(number, 50))), 'openai', 'gpt-4o-mini', 'chat',"
              + " 1000, 100, toDecimal128('0.00021', 12), 'PRICED' FROM numbers("
              + spans
              + ")");
      exec(
          client,
          "INSERT INTO "
              + db
              + ".span_attributions (trace_id, span_id, start_time, conversation_id)"
              + " SELECT trace_id, min(span_id), min(start_time), any(conversation_id) FROM "
              + db
              + ".span_rows GROUP BY trace_id");
      new RollupRecomputer(client, schema)
          .recompute(start.minus(1, ChronoUnit.HOURS), Instant.now().plus(1, ChronoUnit.HOURS));
      double genSeconds = (System.nanoTime() - gen) / 1e9;
      System.out.printf(Locale.ROOT, "generated %d spans in %.1f s%n", spans, genSeconds);

      // (1) The writer's recomputation of one batch's traces, with and without the join.
      // A batch's traces as the writer sees them: 5,000 that started one after the other, its
      // span filter bounded by their start times, and so the hours of their allocations.
      List<String> traces = new ArrayList<>();
      long from = Long.MAX_VALUE;
      long to = Long.MIN_VALUE;
      for (GenericRecord r :
          client.queryAll(
              "SELECT trace_id, toUnixTimestamp64Nano(min(start_time)) AS first,"
                  + " toUnixTimestamp64Nano(max(start_time)) AS last FROM "
                  + db
                  + ".span_rows WHERE start_time >= toDateTime64("
                  + start.plus(20, ChronoUnit.HOURS).getEpochSecond()
                  + ", 9, 'UTC') GROUP BY trace_id ORDER BY first LIMIT 5000")) {
        traces.add(r.getString("trace_id"));
        from = Math.min(from, r.getLong("first"));
        to = Math.max(to, r.getLong("last"));
      }
      String ids =
          "x.auth_tenant = '' AND x.trace_id IN (SELECT arrayJoin(splitByChar(',', "
              + SqlTemplate.literal(String.join(",", traces))
              + ")))";
      String filter =
          "x.start_time >= "
              + SqlTemplate.nanos(from)
              + " AND x.start_time <= "
              + SqlTemplate.nanos(to)
              + " AND ("
              + ids
              + ")";
      String attribution = ids.replace("x.", "o.");
      String allocation = RollupRecomputer.allocationHours(from, to) + " AND (" + attribution + ")";
      String withInfra =
          SqlTemplate.load(RollupRecomputer.class, "trace_rollups.sql")
              .render(
                  "db",
                  db,
                  "span_filter",
                  filter,
                  "attribution_filter",
                  attribution,
                  "allocation_filter",
                  allocation);
      String withoutInfra = withoutInfra(withInfra);
      Recompute before = recompute(client, db, withInfra, withoutInfra, rounds);

      // (2) The allocator over a 48 h window.
      InfraRules rules = InfraRules.parse(RULES);
      double first;
      double unchanged;
      double late;
      int firstHours;
      int firstTraces;
      try (InfraAllocator allocator =
          InfraAllocator.builder(schema)
              .client(client, false)
              .rules(() -> rules)
              .grace(Duration.ZERO)
              .window(Duration.ofHours(48))
              .build()) {
        long t = System.nanoTime();
        InfraAllocator.Run run = allocator.allocate();
        first = (System.nanoTime() - t) / 1e9;
        firstHours = run.hours();
        firstTraces = run.traces();
        List<Double> idle = new ArrayList<>();
        for (int i = 0; i < rounds; i++) {
          t = System.nanoTime();
          if (allocator.allocate().hours() != 0) {
            throw new IllegalStateException("an unchanged window was allocated again");
          }
          idle.add((System.nanoTime() - t) / 1e9);
        }
        unchanged = median(idle);
        exec(
            client,
            "INSERT INTO "
                + db
                + ".span_rows (trace_id, span_id, start_time, end_time, service_name,"
                + " total_cost, pricing_status, row_version) VALUES ('late', 'late', toDateTime64("
                + start.plus(10, ChronoUnit.HOURS).getEpochSecond()
                + ", 9, 'UTC'), toDateTime64("
                + (start.plus(10, ChronoUnit.HOURS).getEpochSecond() + 30)
                + ", 9, 'UTC'), 'inference-svc', 0, 'PRICED', 1)");
        t = System.nanoTime();
        InfraAllocator.Run lateRun = allocator.allocate();
        late = (System.nanoTime() - t) / 1e9;
        if (lateRun.hours() != 1) {
          throw new IllegalStateException("a late span re-allocated " + lateRun.hours() + " hours");
        }
      }
      Recompute after = recompute(client, db, withInfra, withoutInfra, rounds);
      GenericRecord check =
          client
              .queryAll(
                  "SELECT count() AS hours, sum(allocated + idle = hour_cost) AS exact,"
                      + " sum(hour_cost) AS cost FROM "
                      + db
                      + ".infra_periods FINAL")
              .get(0);

      String json =
          String.format(
              Locale.ROOT,
              "{\"date\":\"%s\",\"engine\":\"%s\",\"spans\":%d,\"rounds\":%d,"
                  + "\"recompute_5000_traces_no_allocations\":{\"with_infra_join_s\":%.3f,"
                  + "\"without_s\":%.3f,\"ratio\":%.2f},"
                  + "\"recompute_5000_traces_with_allocations\":{\"with_infra_join_s\":%.3f,"
                  + "\"without_s\":%.3f,\"ratio\":%.2f},"
                  + "\"allocator\":{\"window_hours\":48,\"rules\":2,\"first_run_s\":%.2f,"
                  + "\"first_run_hours\":%d,\"first_run_traces\":%d,\"unchanged_run_s\":%.3f,"
                  + "\"late_span_run_s\":%.3f},\"periods\":%d,\"periods_exact\":%d}",
              Instant.now(),
              endpoint,
              spans,
              rounds,
              before.with(),
              before.without(),
              before.with() / before.without(),
              after.with(),
              after.without(),
              after.with() / after.without(),
              first,
              firstHours,
              firstTraces,
              unchanged,
              late,
              check.getLong("hours"),
              check.getLong("exact"));
      System.out.println(json);
      Path out =
          Path.of(System.getProperty("bench.out", "benchmarks/results/infra-allocation.json"));
      Files.writeString(out, json + "\n");
    }
  }

  /** Medians of the recomputation's wall time, alternating the two queries. */
  record Recompute(double with, double without) {}

  static Recompute recompute(
      Client client, String db, String withInfra, String withoutInfra, int rounds)
      throws Exception {
    List<Double> with = new ArrayList<>();
    List<Double> without = new ArrayList<>();
    for (int i = 0; i < rounds + 1; i++) {
      double a = time(client, "INSERT INTO " + db + ".trace_rollups " + withInfra);
      double b = time(client, "INSERT INTO " + db + ".trace_rollups " + withoutInfra);
      if (i > 0) { // the first is a warm-up
        with.add(a);
        without.add(b);
      }
    }
    // Leave the rollups as the shipped query computes them.
    exec(client, "INSERT INTO " + db + ".trace_rollups " + withInfra);
    return new Recompute(median(with), median(without));
  }

  /** The shipped query less its infrastructure join: the recomputation as it was before. */
  static String withoutInfra(String sql) {
    int join = sql.lastIndexOf("LEFT JOIN");
    String out =
        sql.substring(0, join)
            .replace(
                "s.cost + ifNull(i.cost, toDecimal128(0, 12)) AS total_cost",
                "s.cost AS total_cost")
            .replace("mapUpdate(s.models, i.models) AS model_costs", "s.models AS model_costs");
    if (out.contains("i.")) {
      throw new IllegalStateException("the infrastructure join is still referenced:\n" + out);
    }
    return out;
  }

  static double time(Client client, String sql) throws Exception {
    long t = System.nanoTime();
    exec(client, sql);
    return (System.nanoTime() - t) / 1e9;
  }

  static void exec(Client client, String sql) throws Exception {
    CommandSettings settings = new CommandSettings();
    settings.serverSetting("max_query_size", Integer.toString(64 << 20));
    settings.serverSetting("do_not_merge_across_partitions_select_final", "1");
    client.execute(sql, settings).get(60, TimeUnit.MINUTES).close();
  }

  static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    s.sort(null);
    return s.get(s.size() / 2);
  }
}
