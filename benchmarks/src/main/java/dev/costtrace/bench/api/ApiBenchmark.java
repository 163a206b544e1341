package dev.costtrace.bench.api;

import com.clickhouse.client.api.Client;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.costtrace.config.Config;
import dev.costtrace.receiver.ingest.OtlpReceiver;
import dev.costtrace.receiver.pipeline.ExportOutcome;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.engine.ClickHouseResolver;
import dev.costtrace.sink.report.ConversationCosts;
import dev.costtrace.sink.rollup.RollupRecomputer;
import dev.costtrace.sink.schema.Migrator;
import dev.costtrace.sink.schema.SchemaOptions;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * The cost API's latency on a large table: loads the demo workload's distributions ({@code
 * generate_spans.sql}: 10,000,000 spans, about 1.74 million conversations, over 30 days) into the
 * embedded engine inside ClickHouse, computes the rollups with the writer's recomputation ({@code
 * RollupRecomputer}), then times {@code GET /api/v1/conversations/{id}} of random conversations
 * through the real receiver's HTTP port, one at a time (the p99 goal is 100 ms), and a few of the
 * other requests for scale. Results: {@code benchmarks/results/api.json}.
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.costtrace.bench.api.ApiBenchmark
 * [spans] [lookups]} (defaults 10000000 and 300). System properties: {@code bench.api.keep=true}
 * reuses the loaded database of an earlier run (same data directory, {@code bench.api.dir}) after
 * applying the migrations it lacks (timed: {@code migrate_seconds}), {@code bench.api.timeout} (the
 * API's query timeout, default 30s).
 */
public final class ApiBenchmark {
  private static final String DB = "bench_api";

  /** Spans per conversation of generate_spans.sql, measured (575,745 per 100,000 conversations). */
  private static final double SPANS_PER_CONVERSATION = 5.75745;

  private static final ObjectMapper JSON = new ObjectMapper();

  public static void main(String[] args) throws Exception {
    long spans = args.length > 0 ? Long.parseLong(args[0]) : 10_000_000L;
    int lookups = args.length > 1 ? Integer.parseInt(args[1]) : 300;
    long conversations = Math.round(spans / SPANS_PER_CONVERSATION);
    Path dir =
        Path.of(
            System.getProperty(
                "bench.api.dir", Files.createTempDirectory("costtrace-api-bench").toString()));
    Duration timeout =
        Config.of(Map.of("t", System.getProperty("bench.api.timeout", "30s")))
            .getDuration("t")
            .orElseThrow();
    Config config =
        Config.fromEnvironment()
            .withOverrides(
                Map.of("costtrace.clickhouse.embedded.dir", dir.resolve("engine").toString()));
    ObjectNode result = JSON.createObjectNode();
    try (ClickHouseEndpoint endpoint = ClickHouseResolver.resolve(config);
        Client client = endpoint.newClient("default")) {
      result.put("date", Instant.now().toString());
      result.put("load_average_before", loadAverage());
      result.put("engine", endpoint.toString());
      if (!Boolean.getBoolean("bench.api.keep")) {
        load(client, conversations, result);
      } else {
        // A kept database from an older build: its new migrations first, timed (a user's upgrade).
        long start = System.nanoTime();
        new Migrator(client, new SchemaOptions(DB, "", Duration.ZERO)).up();
        result.put("migrate_seconds", Math.round((System.nanoTime() - start) / 1e8) / 10.0);
      }
      long stored =
          client.queryAll("SELECT count() AS n FROM " + DB + ".spans").get(0).getLong("n");
      long traces =
          client.queryAll("SELECT count() AS n FROM " + DB + ".trace_rollup").get(0).getLong("n");
      result.put("spans", stored);
      result.put("traces", traces);
      result.put("conversations", conversations);
      System.out.printf(
          Locale.ROOT, "%d spans, %d traces, %d conversations%n", stored, traces, conversations);

      try (Client apiClient = endpoint.newClient("default");
          OtlpReceiver receiver =
              OtlpReceiver.builder()
                  .host("127.0.0.1")
                  .grpcPort(0)
                  .httpPort(0)
                  .consumer((request, tenant) -> ExportOutcome.allAccepted())
                  .costApi(new ConversationCosts(apiClient, DB, timeout.toSeconds()))
                  .start()) {
        String base = "http://127.0.0.1:" + receiver.httpPort() + "/api/v1/";
        HttpClient http = HttpClient.newHttpClient();
        Random random = new Random(42);
        int warmup = Math.max(1, lookups / 10);
        time(http, base, "conversations/", random, conversations, "", warmup, null);
        ArrayNode runs = result.putArray("requests");
        runs.add(time(http, base, "conversations/", random, conversations, "", lookups, "lookup"));
        runs.add(
            time(
                http,
                base,
                "conversations/",
                random,
                conversations,
                "?calls=true",
                Math.max(1, lookups / 6),
                "lookup with calls"));
        // Where a lookup's time goes: its two reads, called directly.
        ConversationCosts reads = new ConversationCosts(apiClient, DB, timeout.toSeconds());
        long[] rollup = new long[Math.max(1, lookups / 6)];
        long[] models = new long[rollup.length];
        for (int i = 0; i < rollup.length; i++) {
          String id =
              String.format(Locale.ROOT, "conv-%07d", (long) (random.nextDouble() * conversations));
          long start = System.nanoTime();
          List<ConversationCosts.Conversation> found =
              reads.conversation(id, ConversationCosts.Filter.scoped(""), 2);
          rollup[i] = System.nanoTime() - start;
          start = System.nanoTime();
          if (!found.isEmpty()) {
            reads.models(found.get(0));
          }
          models[i] = System.nanoTime() - start;
        }
        runs.add(summary("lookup part: the conversation's rollup", rollup, 0, null));
        runs.add(summary("lookup part: its models and calls per model", models, 0, null));
        runs.add(
            timeFixed(http, base + "conversations?since=7d&limit=50", 5, "list, 7d, 50 per page"));
        runs.add(
            timeFixed(
                http,
                base + "costs?since=30d&group_by=tenant,feature,model,day",
                3,
                "costs, 30d, by tenant, feature, model, day"));
      }
    }
    result.put("load_average_after", loadAverage());
    result.put("cores", Runtime.getRuntime().availableProcessors());
    String text = JSON.writerWithDefaultPrettyPrinter().writeValueAsString(result);
    Path out = Path.of(System.getProperty("bench.out", "benchmarks/results/api.json"));
    Files.createDirectories(out.toAbsolutePath().getParent());
    Files.writeString(out, text + "\n");
    System.out.println(text);
  }

  /**
   * Loads the span rows and their attribution observations into a fresh database, then computes the
   * rollups of the whole period in one pass of the writer's recomputation (what a bulk load or a
   * repricing does).
   */
  private static void load(Client client, long conversations, ObjectNode result) throws Exception {
    client.execute("DROP DATABASE IF EXISTS " + DB).get().close();
    SchemaOptions schema = new SchemaOptions(DB, "", Duration.ZERO);
    new Migrator(client, schema).up();
    for (String step : List.of("generate_spans", "generate_attributions")) {
      long start = System.nanoTime();
      client
          .execute(
              sql(step)
                  .replace("{db}", DB)
                  .replace("{conversations}", Long.toString(conversations)))
          .get(3, TimeUnit.HOURS)
          .close();
      double seconds = (System.nanoTime() - start) / 1e9;
      result.put(step + "_seconds", Math.round(seconds * 10) / 10.0);
      System.out.printf(Locale.ROOT, "%s: %.1f s%n", step, seconds);
    }
    long start = System.nanoTime();
    new RollupRecomputer(client, schema)
        .recompute(
            Instant.now().minus(Duration.ofDays(31)), Instant.now().plus(Duration.ofDays(1)));
    double seconds = (System.nanoTime() - start) / 1e9;
    result.put("recompute_rollups_seconds", Math.round(seconds * 10) / 10.0);
    System.out.printf(Locale.ROOT, "recompute rollups: %.1f s%n", seconds);
  }

  private static String sql(String name) throws IOException {
    try (InputStream in = ApiBenchmark.class.getResourceAsStream(name + ".sql")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  /** GETs {@code n} random conversations one at a time; null label: warm-up, not recorded. */
  private static ObjectNode time(
      HttpClient http,
      String base,
      String path,
      Random random,
      long conversations,
      String query,
      int n,
      String label)
      throws Exception {
    long[] nanos = new long[n];
    int errors = 0;
    String lastError = null;
    for (int i = 0; i < n; i++) {
      String id =
          String.format(Locale.ROOT, "conv-%07d", (long) (random.nextDouble() * conversations));
      long start = System.nanoTime();
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(base + path + id + query)).build(),
              HttpResponse.BodyHandlers.ofString());
      nanos[i] = System.nanoTime() - start;
      if (r.statusCode() != 200) {
        errors++;
        lastError = r.statusCode() + " " + r.body();
      }
    }
    return label == null ? null : summary(label, nanos, errors, lastError);
  }

  private static ObjectNode timeFixed(HttpClient http, String url, int n, String label)
      throws Exception {
    long[] nanos = new long[n];
    int errors = 0;
    String lastError = null;
    for (int i = 0; i < n; i++) {
      long start = System.nanoTime();
      HttpResponse<String> r =
          http.send(
              HttpRequest.newBuilder(URI.create(url)).build(),
              HttpResponse.BodyHandlers.ofString());
      nanos[i] = System.nanoTime() - start;
      if (r.statusCode() != 200) {
        errors++;
        lastError = r.statusCode() + " " + r.body();
      }
    }
    return summary(label, nanos, errors, lastError);
  }

  private static ObjectNode summary(String label, long[] nanos, int errors, String lastError) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    ObjectNode o = JSON.createObjectNode();
    o.put("request", label);
    o.put("n", sorted.length);
    o.put("errors", errors);
    o.put("p50_ms", ms(sorted, 0.50));
    o.put("p90_ms", ms(sorted, 0.90));
    o.put("p99_ms", ms(sorted, 0.99));
    o.put("max_ms", Math.round(sorted[sorted.length - 1] / 1e4) / 100.0);
    if (lastError != null) {
      o.put("last_error", lastError.length() > 300 ? lastError.substring(0, 300) : lastError);
    }
    System.out.println(o);
    return o;
  }

  /** The nearest-rank percentile in milliseconds, two decimals. */
  private static double ms(long[] sorted, double q) {
    int i = Math.min(sorted.length - 1, (int) Math.ceil(q * sorted.length) - 1);
    return Math.round(sorted[Math.max(0, i)] / 1e4) / 100.0;
  }

  /** The 1, 5 and 15 minute load averages: the machine is shared, so the figures say how much. */
  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "unknown";
    }
  }

  private ApiBenchmark() {}
}
