package dev.costtrace.bench.api;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.costtrace.config.Config;
import dev.costtrace.sink.ClickHouseSink;
import dev.costtrace.sink.SpanAttribution;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.engine.ClickHouseResolver;
import dev.costtrace.sink.engine.ClickHouseTimeouts;
import dev.costtrace.sink.rollup.ConversationKey;
import dev.costtrace.sink.rollup.RollupRecomputer;
import dev.costtrace.sink.rollup.TouchedTraces;
import dev.costtrace.sink.rollup.TraceKey;
import dev.costtrace.sink.schema.SchemaOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * What the writer's rollup recomputation costs for one batch when the tables are large: on the
 * database {@link ApiBenchmark} loaded and kept (10 million spans, 8.7 million traces), the
 * recomputation of a batch's worth of recent traces (random ones of the last day, as a batch's are)
 * with their conversations, and of those conversations alone, timed per round.
 *
 * <p>Run after {@code ApiBenchmark} with {@code -Dbench.api.keep=true}: {@code java
 * -Dbench.api.dir=DIR -cp benchmarks/target/benchmarks.jar dev.costtrace.bench.api.RecomputeAtScale
 * [traces] [rounds]} (defaults 2000 and 5). Results: {@code
 * benchmarks/results/recompute-at-scale.json}.
 */
public final class RecomputeAtScale {
  private static final String DB = "bench_api";

  private RecomputeAtScale() {}

  public static void main(String[] args) throws Exception {
    int size = args.length > 0 ? Integer.parseInt(args[0]) : 2000;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    // -Dbench.newest=true: the newest traces (a batch at saturation is the newest), recomputed
    // through the writer's entry point; otherwise random traces of the last day, through the
    // repair's (every span row of each trace, whatever its time).
    boolean newest = Boolean.getBoolean("bench.newest");
    String dir = System.getProperty("bench.api.dir");
    if (dir == null) {
      throw new IllegalArgumentException("bench.api.dir: the data directory ApiBenchmark kept");
    }
    Config config =
        Config.fromEnvironment()
            .withOverrides(
                Map.of("costtrace.clickhouse.embedded.dir", Path.of(dir, "engine").toString()));
    ObjectMapper json = new ObjectMapper();
    ObjectNode result = json.createObjectNode();
    result.put("date", Instant.now().toString());
    result.put("batch_traces", size);
    result.put("newest_through_the_writer_path", newest);
    ArrayNode out = result.putArray("rounds");
    try (ClickHouseEndpoint endpoint = ClickHouseResolver.resolve(config);
        Client client = endpoint.newClient("default")) {
      result.put(
          "trace_rollups",
          client
              .queryAll("SELECT count() AS n FROM " + DB + ".trace_rollups FINAL")
              .get(0)
              .getLong("n"));
      SchemaOptions schema = new SchemaOptions(DB, "", Duration.ZERO);
      // The writer's recomputer (reading conversations by key on a table this size), or the
      // repair's.
      RollupRecomputer recomputer =
          newest
              ? new RollupRecomputer(
                  client,
                  schema,
                  ClickHouseTimeouts.defaults(),
                  ClickHouseSink.Builder.DEFAULT_CONVERSATIONS_BY_KEY_FROM_ROWS)
              : new RollupRecomputer(client, schema);
      for (int round = 0; round < rounds; round++) {
        List<TraceKey> traces = new ArrayList<>();
        List<SpanAttribution> touched = new ArrayList<>();
        Set<ConversationKey> conversations = new LinkedHashSet<>();
        for (GenericRecord g :
            client.queryAll(
                "SELECT auth_tenant, trace_id, conversation_id,"
                    + " toUnixTimestamp64Nano(start_time) AS start FROM "
                    + DB
                    + ".trace_rollups FINAL WHERE start_time > (SELECT max(start_time) FROM "
                    + DB
                    + ".trace_rollups) - INTERVAL 1 DAY ORDER BY "
                    + (newest
                        ? "start_time DESC LIMIT " + size + " OFFSET " + (round * size)
                        : "cityHash64(trace_id, " + round + ") LIMIT " + size))) {
          traces.add(new TraceKey(g.getString("auth_tenant"), g.getString("trace_id")));
          touched.add(
              new SpanAttribution(
                  g.getString("auth_tenant"),
                  g.getString("trace_id"),
                  "",
                  g.getLong("start"),
                  "",
                  "",
                  "",
                  "",
                  Map.of(),
                  0));
          if (!g.getString("conversation_id").isEmpty()) {
            conversations.add(
                new ConversationKey(g.getString("auth_tenant"), g.getString("conversation_id")));
          }
        }
        long t0 = System.nanoTime();
        if (newest) {
          // The writer's own path: where each trace's rows are, from its stored rollup.
          recomputer.recompute(TouchedTraces.of(List.of(), touched));
        } else {
          recomputer.recompute(traces);
        }
        long t1 = System.nanoTime();
        recomputer.recomputeConversations(conversations);
        long t2 = System.nanoTime();
        ObjectNode r = out.addObject();
        r.put("traces", traces.size());
        r.put("conversations", conversations.size());
        r.put("traces_and_their_conversations_ms", Math.round((t1 - t0) / 1e6));
        r.put("conversations_alone_ms", Math.round((t2 - t1) / 1e6));
        System.out.printf(
            Locale.ROOT,
            "round %d: %d traces and their %d conversations %d ms; the conversations alone %d ms%n",
            round,
            traces.size(),
            conversations.size(),
            Math.round((t1 - t0) / 1e6),
            Math.round((t2 - t1) / 1e6));
      }
    }
    String text = json.writerWithDefaultPrettyPrinter().writeValueAsString(result);
    Path file =
        Path.of(System.getProperty("bench.out", "benchmarks/results/recompute-at-scale.json"));
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, text + "\n");
  }
}
