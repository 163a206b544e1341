package dev.costtrace.bench.receiver;

import dev.costtrace.receiver.otlp.RawExport;
import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.insert.InsertSettings;
import com.clickhouse.data.ClickHouseFormat;
import dev.costtrace.sink.SpanRowBinary;
import dev.costtrace.sink.buffer.GrowableBytes;
import java.io.ByteArrayInputStream;
import dev.costtrace.config.Config;
import dev.costtrace.pricing.SpanPricer;
import dev.costtrace.receiver.attribution.AttributionKeys;
import dev.costtrace.receiver.attribution.TraceAttributor;
import dev.costtrace.receiver.ingest.OtlpReceiver;
import dev.costtrace.receiver.pipeline.PricingPipeline;
import dev.costtrace.sink.ClickHouseSink;
import dev.costtrace.sink.SpanCostRow;
import dev.costtrace.sink.SpanSink;
import dev.costtrace.sink.SpanAttribution;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.engine.ClickHouseResolver;
import dev.costtrace.sink.schema.Migrator;
import dev.costtrace.sink.schema.SchemaOptions;
import com.google.protobuf.ByteString;
import io.grpc.CallOptions;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import io.grpc.stub.ClientCalls;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.ArrayValue;
import io.opentelemetry.proto.common.v1.InstrumentationScope;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The OTLP receiver under load, side by side in one run on the same pre-encoded requests (the demo
 * workload's span shapes, {@value #SPANS_PER_REQUEST} spans per request):
 *
 * <ol>
 *   <li>bare protobuf decode ({@code ExportTraceServiceRequest.parseFrom}), one thread: spans/s and
 *       CPU µs per span;
 *   <li>the receiver in-process over OTLP/gRPC and over OTLP/HTTP into a sink that discards: spans/s
 *       and receiver CPU µs per span = process CPU time − the load generator's own threads' CPU time
 *       (GC and JIT stay in the receiver's share);
 *   <li>end to end over gRPC into the real ClickHouse through the ClickHouseSink: spans/s until every
 *       priced row is in ClickHouse.
 * </ol>
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar dev.costtrace.bench.receiver.ReceiverBenchmark
 * [seconds per phase] [end-to-end requests]} (defaults 10 and 300). Loopback only, ephemeral ports.
 * Results: benchmarks/results/receiver.json.
 */
public final class ReceiverBenchmark {
  static final int SPANS_PER_REQUEST = 300;
  private static final int CLIENT_THREADS = Integer.getInteger("bench.clients", 2);
  /** How long the end-to-end load generator warms its client up, on a discarding receiver. */
  private static final int E2E_CLIENT_WARM_UP_SECONDS = 10;
  /** The sink's default batch size, used by the end-to-end sink and the bare insert alike. */
  private static final int SINK_BATCH_ROWS = 5_000;
  private static final String CLIENT_THREAD = "bench-client";
  /** First argument of the load generator's own process. */
  private static final String LOAD_PROCESS = "--load-process";

  private static final String[][] MODELS = {
    {"openai", "gpt-4o-mini", "gpt-4o-mini-2024-07-18"},
    {"openai", "gpt-4o", "gpt-4o-2024-08-06"},
    {"openai", "o4-mini", "o4-mini-2025-04-16"},
    {"anthropic", "claude-sonnet-4-5", "claude-sonnet-4-5-20250929"},
    {"anthropic", "claude-haiku-4-5", "claude-haiku-4-5-20251001"},
    {"gcp.gemini", "gemini-2.5-flash", "gemini-2.5-flash"},
    {"aws.bedrock", "us.anthropic.claude-3-5-sonnet-20241022-v2:0", "us.anthropic.claude-3-5-sonnet-20241022-v2:0"},
  };

  private ReceiverBenchmark() {}

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals(LOAD_PROCESS)) {
      loadProcess(args);
      return;
    }
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    int e2eRequests = args.length > 1 ? Integer.parseInt(args[1]) : 300;
    // For profiling one phase at a time: -Dbench.phases=grpc,http (default: all).
    List<String> phases = List.of(System.getProperty("bench.phases", "decode,stages,grpc,http,e2e,visibility,backlog").split(","));
    List<byte[]> loop = payloads(100, 1);
    List<byte[]> e2e = payloads(e2eRequests, 2);
    long pricedPerRequest = priced(loop.get(0));
    long e2ePriced = 0;
    for (byte[] b : e2e) {
      e2ePriced += priced(b);
    }
    System.out.printf(Locale.ROOT, "%d spans per request (%d priced), %.0f bytes per request%n",
        SPANS_PER_REQUEST, pricedPerRequest, loop.stream().mapToInt(b -> b.length).average().orElse(0));
    Map<String, Object> results = new LinkedHashMap<>();
    results.put("date", Instant.now().toString());
    results.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    results.put("cpus", Runtime.getRuntime().availableProcessors());
    results.put("spans_per_request", SPANS_PER_REQUEST);
    results.put("priced_spans_per_request", pricedPerRequest);
    results.put("seconds_per_phase", seconds);

    // The machine is shared: every phase runs `repeats` times, interleaved, and the median and the
    // best (least CPU) of the runs are reported; interference only ever adds CPU time.
    int repeats = Integer.getInteger("bench.repeats", 3);
    int e2eRepeats = Integer.getInteger("bench.e2e.repeats", 2);
    results.put("repeats", repeats);
    results.put("load_average_at_start", loadAverage());
    // The JIT takes tens of seconds to settle on the receiver's paths (measured: its compiler
    // threads' CPU per span halves with every further 10 s); a receiver runs for hours.
    int warmUp = Integer.getInteger("bench.warmup", Math.max(20, 2 * seconds));
    results.put("warm_up_seconds", warmUp);
    Map<String, List<Double>> runs = new LinkedHashMap<>();
    PricingPipeline discarding = new PricingPipeline(SpanPricer.builder().build(), new DiscardingSink(),
        AttributionKeys.defaults(), new TraceAttributor(Duration.ofSeconds(30), 100_000));
    OtlpReceiver receiver = OtlpReceiver.builder().host("127.0.0.1").grpcPort(0).httpPort(0)
        .consumer(discarding).start();
    try {
      for (int rep = 0; rep < repeats; rep++) {
        // 1. Bare decode, one thread.
        if (phases.contains("decode")) {
          if (rep == 0) {
            bareDecode(loop, warmUp);
          }
          System.gc();
          double[] bare = bareDecode(loop, seconds);
          add(runs, "bare_decode_spans_per_s", bare[0]);
          add(runs, "bare_decode_cpu_us_per_span", bare[1]);
          System.out.printf(Locale.ROOT, "bare decode: %.0f spans/s, %.3f µs CPU/span%n", bare[0], bare[1]);
        }
        // 1b. The pipeline's stages, one thread, cumulatively on freshly decoded requests.
        if (phases.contains("stages")) {
          stages(loop, rep == 0 ? warmUp : 2, seconds, runs);
        }
        // 2. The receiver in-process into a discarding sink, over gRPC and over HTTP.
        for (String transport : List.of("grpc", "http")) {
          if (!phases.contains(transport)) {
            continue;
          }
          System.gc();
          int port = transport.equals("grpc") ? receiver.grpcPort() : receiver.httpPort();
          double[] r = run(transport, port, "loop", rep == 0 ? warmUp : 2, seconds, 0);
            add(runs, "receiver_" + transport + "_spans_per_s", r[0]);
            add(runs, "receiver_" + transport + "_cpu_us_per_span", r[1]);
            add(runs, "receiver_" + transport + "_load_generator_cpu_us_per_span", r[2]);
            add(runs, "receiver_" + transport + "_gc_pause_us_per_span", r[3]);
            add(runs, "receiver_" + transport + "_worker_threads_cpu_us_per_span", r[5]);
            add(runs, "receiver_" + transport + "_transport_threads_cpu_us_per_span", r[6]);
            add(runs, "receiver_" + transport + "_other_threads_cpu_us_per_span", r[4]);
            add(runs, "receiver_" + transport + "_jvm_threads_cpu_us_per_span", r[7]);
            add(runs, "receiver_" + transport + "_jvm_gc_threads_cpu_us_per_span", r[8]);
            add(runs, "receiver_" + transport + "_jvm_jit_threads_cpu_us_per_span", r[9]);
            System.out.printf(Locale.ROOT, "receiver %s → discard: %.0f spans/s, %.3f µs receiver CPU/span"
                + " (workers %.3f, transport %.3f, other %.3f, JVM's own threads %.3f: GC %.3f, JIT %.3f, VM %.3f;"
                + " load generator %.3f µs/span; GC pauses %.3f µs/span)%n",
                transport, r[0], r[1], r[5], r[6], r[4], r[7], r[8], r[9], r[10], r[2], r[3]);
        }
      }
    } finally {
      receiver.shutdown(Duration.ofSeconds(1));
    }
    summarise(runs, results);
    double bareCpuUs = runs.containsKey("bare_decode_cpu_us_per_span")
        ? median(runs.get("bare_decode_cpu_us_per_span")) : Double.NaN;
    for (String transport : List.of("grpc", "http")) {
      if (runs.containsKey("receiver_" + transport + "_cpu_us_per_span")) {
        results.put("ratio_receiver_" + transport + "_cpu_to_bare_decode_cpu",
            round(median(runs.get("receiver_" + transport + "_cpu_us_per_span")) / bareCpuUs));
      }
    }

    // 3. End to end into ClickHouse over gRPC, and in the same run the bare parts of its limit:
    //    bare decode (phase 1) and a bare RowBinary insert of exactly the rows these payloads make.
    if (phases.contains("e2e") || phases.contains("visibility") || phases.contains("backlog")) {
      Path tmp = Files.createTempDirectory("costtrace-receiver-bench");
      Config config = Config.fromEnvironment().withOverrides(
          Map.of("costtrace.clickhouse.embedded.dir", tmp.resolve("engine").toString()));
      try (ClickHouseEndpoint endpoint = ClickHouseResolver.resolve(config);
          Client client = endpoint.newClient("default")) {
        long sent = (long) e2e.size() * SPANS_PER_REQUEST;
        // -Dbench.pin=true: ClickHouse on the last CPU, this JVM and the load generator (which
        // inherits it) on the others, as with ClickHouse on its own server: nothing it does then
        // costs the receiver CPU time, and the receiver's work overlaps ClickHouse's.
        boolean pin = Boolean.getBoolean("bench.pin");
        results.put("end_to_end_pinned", pin);
        if (pin) {
          pinClickHouseApart();
        }
        results.put("end_to_end_engine", endpoint.toString());
        results.put("end_to_end_spans_sent", sent);
        results.put("end_to_end_priced_rows_expected", e2ePriced);
        Map<String, List<Double>> e2eRuns = new LinkedHashMap<>();
        // Unrecorded runs warm the sink's and the client's code paths up (measured: the receiver's JIT
        // threads take 5-7 µs per span in the first run, 0.4-1.5 in the next ones).
        int warmUps = Integer.getInteger("bench.e2e.warmups", 2);
        results.put("end_to_end_warm_up_runs", warmUps);
        for (int w = 0; w < warmUps && phases.contains("e2e"); w++) {
          endToEnd(endpoint, client, e2e, bareCpuUs, tmp.resolve("buffer-warm-up-" + w), new LinkedHashMap<>());
        }
        for (int rep = 0; rep < e2eRepeats && phases.contains("e2e"); rep++) {
          endToEnd(endpoint, client, e2e, bareCpuUs, tmp.resolve("buffer-" + rep), e2eRuns);
        }
        // 4. Rollups: visible after acknowledgement at saturation (the end-to-end rate), and a
        //    backlog visible after a restart.
        double saturation = e2eRuns.containsKey("end_to_end_spans_per_s")
            ? median(e2eRuns.get("end_to_end_spans_per_s"))
            : Double.parseDouble(System.getProperty("bench.visibility.rate", "50000"));
        if (phases.contains("visibility")) {
          RollupLag.visibility(endpoint, client, e2e, saturation, tmp.resolve("buffer-visibility"), e2eRuns);
        }
        if (phases.contains("backlog")) {
          RollupLag.backlog(endpoint, client, e2e, tmp.resolve("buffer-backlog"), e2eRuns);
        }
        summarise(e2eRuns, results);
        double e2eRate = saturation;
        results.put("ratio_end_to_end_to_bare_decode", round(e2eRate * bareCpuUs / 1e6));
        if (runs.containsKey("receiver_grpc_spans_per_s") && phases.contains("e2e")) {
          results.put("ratio_end_to_end_to_receiver_grpc_discard",
              round(e2eRate / median(runs.get("receiver_grpc_spans_per_s"))));
        }
      }
    }
    results.put("load_average_at_end", loadAverage());
    results.put("goal_receiver_cpu_us_per_span", 3.0);
    StringBuilder json = new StringBuilder("{");
    results.forEach((k, v) -> json.append(json.length() > 1 ? "," : "").append('"').append(k).append("\":")
        .append(v instanceof String ? "\"" + v + "\"" : v instanceof List<?> l
            ? l.stream().map(String::valueOf).collect(java.util.stream.Collectors.joining(",", "[", "]")) : v));
    json.append("}");
    Path out = Path.of(System.getProperty("bench.out", "benchmarks/results/receiver.json"));
    Files.createDirectories(out.getParent());
    Files.writeString(out, json + "\n");
    System.out.println(json);
    System.exit(0); // the embedded engine's and gRPC's non-daemon threads
  }

  /**
   * CPU per span of the receiver's stages on one thread, each measured cumulatively over freshly
   * decoded requests (so each includes the cache misses of its first touch of the data): decode;
   * + attribution (read the keys, merge into the trace); + normalise and price; the whole pipeline
   * (+ validation, rows, hex IDs); + the sink's encoding of the rows for its buffer. The increments
   * are the stages' costs.
   */
  private static void stages(List<byte[]> payloads, int warmUpSeconds, int seconds, Map<String, List<Double>> runs)
      throws Exception {
    String[] stages = {"decode", "attribution", "price", "pipeline", "sink_encode"};
    SpanPricer pricer = SpanPricer.builder().build();
    AttributionKeys keys = AttributionKeys.defaults();
    double previous = 0;
    for (String stage : stages) {
      SpanSink sink = new SpanSink() {
        @Override
        public void accept(List<SpanCostRow> spans, List<SpanAttribution> attributions) {
          if (stage.equals("sink_encode")) {
            dev.costtrace.sink.buffer.RowCodec.encode(spans, attributions);
          }
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };
      TraceAttributor attributor = new TraceAttributor(Duration.ofSeconds(30), 100_000);
      PricingPipeline pipeline = new PricingPipeline(pricer, sink, keys, attributor);
      double cpu = 0;
      for (int pass = 0; pass < 2; pass++) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(pass == 0 ? warmUpSeconds / 4 + 1 : seconds);
        long cpu0 = threads.getCurrentThreadCpuTime();
        long spans = 0;
        long check = 0;
        for (int i = 0; System.nanoTime() < end; i++) {
          ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(payloads.get(i % payloads.size()));
          spans += SPANS_PER_REQUEST;
          if (stage.equals("pipeline") || stage.equals("sink_encode")) {
            pipeline.consume(request, null);
            continue;
          }
          long now = System.nanoTime();
          for (ResourceSpans rs : request.getResourceSpansList()) {
            List<KeyValue> resource = rs.getResource().getAttributesList();
            AttributionKeys.ResourceAttribution ra = keys.resource(resource);
            for (ScopeSpans ss : rs.getScopeSpansList()) {
              for (Span span : ss.getSpansList()) {
                if (stage.equals("decode")) {
                  check += span.getAttributesCount();
                  continue;
                }
                dev.costtrace.receiver.attribution.Attribution a =
                    attributor.lookup(TraceAttributor.TraceRef.of("", span.getTraceId()), now).attribution()
                        .orElse(keys.read(span.getAttributesList(), ra));
                if (stage.equals("price")) {
                  check += pricer.price(span, resource, a.tenantId()).status().ordinal();
                } else {
                  check += a.conversationId().length();
                }
              }
            }
          }
        }
        cpu = (threads.getCurrentThreadCpuTime() - cpu0) / 1e3 / spans;
        if (check == 42) {
          System.out.print(""); // keeps the loops' results alive
        }
      }
      add(runs, "stage_" + stage + "_cumulative_cpu_us_per_span", cpu);
      add(runs, "stage_" + stage + "_cpu_us_per_span", cpu - previous);
      System.out.printf(Locale.ROOT, "stage %-12s %.3f µs CPU/span (cumulative %.3f)%n", stage, cpu - previous, cpu);
      previous = cpu;
    }
  }

  /**
   * One end-to-end run and, just before it, the bare insert of the same rows: both into fresh
   * databases of the same engine. Adds this run's figures to {@code runs}.
   */
  private static void endToEnd(ClickHouseEndpoint endpoint, Client client, List<byte[]> e2e, double bareDecodeCpuUs,
      Path bufferDir, Map<String, List<Double>> runs) throws Exception {
    long sent = (long) e2e.size() * SPANS_PER_REQUEST;
    // 3a. Bare insert: the rows the pipeline makes of these payloads, pre-encoded as RowBinary in
    // the sink's batches (5,000 span rows and their attributions), into the same tables and
    // materialized view, one batch after the other as the sink's writer does.
    String bareDb = "bench_receiver_bare";
    client.execute("DROP DATABASE IF EXISTS " + bareDb).get().close();
    new Migrator(client, new SchemaOptions(bareDb, "", Duration.ZERO)).up();
    BareInsert bareInsert = BareInsert.of(e2e, client, bareDb, SINK_BATCH_ROWS);
    System.gc();
    long chCpu0 = clickHouseCpuNanos();
    long bareStart = System.nanoTime();
    bareInsert.run(client, bareDb);
    double bareInsertSeconds = (System.nanoTime() - bareStart) / 1e9;
    long bareChCpu = clickHouseCpuNanos() - chCpu0;
    add(runs, "bare_insert_span_rows", bareInsert.spanRows);
    add(runs, "bare_insert_attribution_rows", bareInsert.attributionRows);
    add(runs, "bare_insert_rows_per_s", bareInsert.spanRows / bareInsertSeconds);
    add(runs, "bare_insert_us_per_payload_span", bareInsertSeconds * 1e6 / sent);
    add(runs, "bare_insert_clickhouse_cpu_us_per_payload_span", bareChCpu / 1e3 / sent);
    // The limit: receiver and ClickHouse share the same cores, so a payload span costs at least its
    // bare decode (CPU time, one thread) plus its share of the bare insert (wall time).
    double limit = 1 / (bareDecodeCpuUs / 1e6 + bareInsertSeconds / sent);
    add(runs, "limit_spans_per_s", limit);
    // The stricter limit of a perfect pipeline, decode and insert overlapped (the slower one sets the
    // pace): the one that applies when ClickHouse does not share the receiver's cores (bench.pin).
    double pipelinedLimit = 1 / Math.max(bareDecodeCpuUs / 1e6, bareInsertSeconds / sent);
    add(runs, "pipelined_limit_spans_per_s", pipelinedLimit);
    System.out.printf(Locale.ROOT, "bare insert: %d span rows + %d attribution rows in %.2f s (%.0f rows/s,"
        + " %.3f µs/payload span; ClickHouse CPU %.3f µs/payload span); limit %.0f spans/s%n",
        bareInsert.spanRows, bareInsert.attributionRows, bareInsertSeconds, bareInsert.spanRows / bareInsertSeconds,
        bareInsertSeconds * 1e6 / sent, bareChCpu / 1e3 / sent, limit);
    bareInsert = null; // its ~30 MB of batches must not burden the end-to-end run's collections
    // What ClickHouse still does for these rows after the window (background merges of the parts),
    // measured alike after both windows: it tells merges apart from contention in the difference.
    add(runs, "bare_insert_clickhouse_cpu_us_per_payload_span_in_the_settle_after", settleCpuUs(sent));
    // Dropped, so that its parts' background merges do not run (and count) during the end-to-end run.
    client.execute("DROP DATABASE " + bareDb + " SYNC").get().close();

    // 3b. End to end: the same payloads over gRPC through the receiver and the ClickHouseSink.
    String db = "bench_receiver";
    client.execute("DROP DATABASE IF EXISTS " + db).get().close();
    new Migrator(client, new SchemaOptions(db, "", Duration.ZERO)).up();
    ClickHouseSink sink = ClickHouseSink.builder().client(endpoint.newClient("default"), true)
        .database(db).bufferDir(bufferDir).batchSize(SINK_BATCH_ROWS).build();
    OtlpReceiver real = OtlpReceiver.builder().host("127.0.0.1").grpcPort(0).httpPort(0)
        .consumer(new PricingPipeline(SpanPricer.builder().build(), sink, AttributionKeys.defaults(),
            new TraceAttributor(Duration.ofSeconds(30), 100_000)))
        .start();
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    System.gc();
    long gc0;
    Map<String, Long> threads0;
    Map<String, Long> jvm0;
    long cpu0;
    long start;
    double ackSeconds;
    long loadCpu;
    long[] idle0;
    long[] idleAck;
    // The load generator warms its client up on a discarding receiver first (a cold client JVM
    // would take as much CPU as the receiver, on the same cores).
    OtlpReceiver warm = OtlpReceiver.builder().host("127.0.0.1").grpcPort(0).httpPort(0)
        .consumer(new PricingPipeline(SpanPricer.builder().build(), new DiscardingSink(), AttributionKeys.defaults(),
            new TraceAttributor(Duration.ofSeconds(30), 100_000)))
        .start();
    try (LoadChild child = LoadChild.start("grpc", real.grpcPort(), "all", E2E_CLIENT_WARM_UP_SECONDS, 0, e2e.size(),
        Integer.toString(warm.grpcPort()))) {
      gc0 = gcMillis();
      threads0 = cpuByThreadGroup();
      jvm0 = jvmThreadCpu();
      cpu0 = os.getProcessCpuTime();
      chCpu0 = clickHouseCpuNanos();
      start = System.nanoTime();
      idle0 = cpuStat();
      long[] done = child.awaitDone();
      idleAck = cpuStat();
      ackSeconds = (System.nanoTime() - start) / 1e9;
      loadCpu = done[1];
      if (done[0] != e2e.size()) {
        throw new IllegalStateException("sent " + done[0] + " of " + e2e.size() + " requests");
      }
    }
    boolean drained = sink.flush(Duration.ofMinutes(10));
    long[] idleEnd = cpuStat();
    double e2eSeconds = (System.nanoTime() - start) / 1e9;
    long jvmCpu = os.getProcessCpuTime() - cpu0;
    long chCpu = clickHouseCpuNanos() - chCpu0;
    long gc = gcMillis() - gc0;
    Map<String, Long> threads1 = cpuByThreadGroup();
    Map<String, Long> jvm1 = jvmThreadCpu();
    StringBuilder where = new StringBuilder();
    for (String group : new String[] {"workers", "transport", "sink", "other"}) {
      double us = (threads1.getOrDefault(group, 0L) - threads0.getOrDefault(group, 0L)) / 1e3 / sent;
      add(runs, "end_to_end_" + group + "_threads_cpu_us_per_span", us);
      where.append(String.format(Locale.ROOT, "%s %.3f, ", group, us));
    }
    for (String kind : new String[] {"gc", "jit"}) {
      double us = (jvm1.getOrDefault(kind, 0L) - jvm0.getOrDefault(kind, 0L)) / 1e3 / sent;
      add(runs, "end_to_end_jvm_" + kind + "_threads_cpu_us_per_span", us);
      where.append(String.format(Locale.ROOT, "JVM %s %.3f, ", kind, us));
    }
    // Shut down only now, after the window: its shutdown deoptimises the receiver's compiled code.
    warm.shutdown(Duration.ofSeconds(1));
    real.shutdown(Duration.ofSeconds(5));
    // The writer's time in ClickHouse per batch: the inserts, and the recomputation of the rollups.
    var sinkMetrics = sink.metrics();
    sink.close();
    long batches = Math.max(1, sinkMetrics.batches());
    add(runs, "end_to_end_sink_batches", sinkMetrics.batches());
    add(runs, "end_to_end_insert_ms_per_batch", (double) sinkMetrics.insertMillis() / batches);
    add(runs, "end_to_end_recompute_ms_per_batch", (double) sinkMetrics.recomputeMillis() / batches);
    add(runs, "end_to_end_recompute_share_of_writer_clickhouse_time", (double) sinkMetrics.recomputeMillis()
        / Math.max(1, sinkMetrics.insertMillis() + sinkMetrics.recomputeMillis()));
    System.out.printf(Locale.ROOT, "sink writer: %d batches, inserts %.1f ms and rollup recomputation %.1f ms per"
        + " batch%n", sinkMetrics.batches(), (double) sinkMetrics.insertMillis() / batches,
        (double) sinkMetrics.recomputeMillis() / batches);
    add(runs, "end_to_end_clickhouse_cpu_us_per_span_in_the_settle_after", settleCpuUs(sent));
    long stored = client.queryAll("SELECT count() AS n FROM " + db + ".spans").get(0).getLong("n");
    double e2eRate = sent / e2eSeconds;
    if (!drained) {
      throw new IllegalStateException("the sink did not drain into ClickHouse");
    }
    add(runs, "end_to_end_priced_rows_stored", stored);
    add(runs, "end_to_end_acknowledged_spans_per_s", sent / ackSeconds);
    add(runs, "end_to_end_spans_per_s", e2eRate);
    add(runs, "end_to_end_receiver_and_sink_cpu_us_per_span", jvmCpu / 1e3 / sent);
    add(runs, "end_to_end_clickhouse_cpu_us_per_span", chCpu / 1e3 / sent);
    add(runs, "end_to_end_gc_pause_us_per_span", gc * 1e3 / sent);
    add(runs, "end_to_end_load_generator_cpu_us_per_span", loadCpu / 1e3 / sent);
    add(runs, "ratio_end_to_end_to_limit", e2eRate / limit);
    add(runs, "ratio_end_to_end_to_pipelined_limit", e2eRate / pipelinedLimit);
    // Idle share of the two cores: while the load generator sends (acknowledgements), and after it,
    // while the sink drains its backlog into ClickHouse.
    double idleSending = idleShare(idle0, idleAck);
    double idleDraining = idleShare(idleAck, idleEnd);
    add(runs, "end_to_end_idle_share_while_sending", idleSending);
    add(runs, "end_to_end_idle_share_while_draining", idleDraining);
    add(runs, "end_to_end_idle_share", idleShare(idle0, idleEnd));
    System.out.printf(Locale.ROOT, "end to end (gRPC → ClickHouse): %.0f spans/s (%.3f of the limit, %.3f of the"
        + " pipelined limit), %d priced rows"
        + " stored; receiver+sink CPU %.3f µs/span (%s), ClickHouse CPU %.3f µs/span, load generator CPU %.3f"
        + " µs/span, GC pauses %.3f µs/span; acknowledged after %.2f s, drained after %.2f s; cores idle %.0f %%"
        + " while sending, %.0f %% while draining%n",
        e2eRate, e2eRate / limit, e2eRate / pipelinedLimit, stored, jvmCpu / 1e3 / sent, where, chCpu / 1e3 / sent, loadCpu / 1e3 / sent,
        gc * 1e3 / sent, ackSeconds, e2eSeconds, 100 * idleSending, 100 * idleDraining);
  }

  /** The settle after a window, seconds: ClickHouse is left alone while its merges run. */
  private static final int SETTLE_SECONDS = 3;

  /** ClickHouse CPU µs per payload span in the {@link #SETTLE_SECONDS} after a window. */
  private static double settleCpuUs(long sent) throws InterruptedException {
    long before = clickHouseCpuNanos();
    Thread.sleep(SETTLE_SECONDS * 1000L);
    return (clickHouseCpuNanos() - before) / 1e3 / sent;
  }

  private static double idleShare(long[] from, long[] to) {
    long total = to[0] - from[0];
    return total <= 0 ? Double.NaN : (double) (to[1] - from[1]) / total;
  }

  /** Jiffies since boot on all CPUs, total and idle (idle + iowait), from /proc/stat (Linux). */
  private static long[] cpuStat() throws IOException {
    Path stat = Path.of("/proc/stat");
    if (!Files.isReadable(stat)) {
      return new long[] {0, 0};
    }
    String[] f = Files.readAllLines(stat).get(0).trim().split("\\s+");
    long tot = 0;
    for (int i = 1; i < f.length; i++) {
      tot += Long.parseLong(f[i]);
    }
    return new long[] {tot, Long.parseLong(f[4]) + Long.parseLong(f[5])};
  }

  static void add(Map<String, List<Double>> runs, String key, double value) {
    runs.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
  }

  private static double median(List<Double> values) {
    List<Double> sorted = new ArrayList<>(values);
    java.util.Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  /** Per measure: the median under its own name, the best run (_best) and every run (_runs). */
  private static void summarise(Map<String, List<Double>> runs, Map<String, Object> results) {
    runs.forEach((key, values) -> {
      boolean lowerIsBetter = key.contains("_us_per_");
      double best = lowerIsBetter ? java.util.Collections.min(values) : java.util.Collections.max(values);
      results.put(key, round(median(values)));
      if (values.size() > 1) {
        results.put(key + "_best", round(best));
        results.put(key + "_runs", values.stream().map(ReceiverBenchmark::round).toList());
      }
    });
  }

  /** The 1-minute load average (the machine is shared), or -1 where the OS gives none. */
  private static double loadAverage() {
    return round(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
  }

  /** CPU time of the embedded engine's process (the Node.js front with chDB), 0 for a server. */
  /** Pins the embedded engine's process to the last CPU and this process to the others (Linux taskset). */
  private static void pinClickHouseApart() throws IOException, InterruptedException {
    int cpus = Runtime.getRuntime().availableProcessors();
    if (cpus < 2) {
      throw new IllegalStateException("bench.pin needs at least 2 CPUs");
    }
    List<Long> engines = engineProcesses().map(ProcessHandle::pid).toList();
    if (engines.isEmpty()) {
      throw new IllegalStateException("bench.pin: no embedded ClickHouse process found");
    }
    for (long pid : engines) {
      taskset(Integer.toString(cpus - 1), pid);
    }
    taskset(cpus == 2 ? "0" : "0-" + (cpus - 2), ProcessHandle.current().pid());
    System.out.printf(Locale.ROOT, "pinned: ClickHouse %s on CPU %d, this JVM and the load generator on the rest%n",
        engines, cpus - 1);
  }

  private static void taskset(String cpuList, long pid) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("taskset", "-a", "-p", "-c", cpuList, Long.toString(pid))
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    if (p.waitFor() != 0) {
      throw new IllegalStateException("taskset -a -p -c " + cpuList + " " + pid + " failed");
    }
  }

  /** The embedded engine: the node process (chDB inside) this JVM started. */
  private static java.util.stream.Stream<ProcessHandle> engineProcesses() {
    return ProcessHandle.current().descendants()
        .filter(p -> p.info().command().map(c -> c.endsWith("node") || c.contains("/node")).orElse(false));
  }

  private static long clickHouseCpuNanos() {
    return engineProcesses().mapToLong(p -> p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L)).sum();
  }

  /** Total stop-the-world collection time so far (ms), all collectors. */
  private static long gcMillis() {
    long sum = 0;
    for (java.lang.management.GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      sum += Math.max(0, gc.getCollectionTime());
    }
    return sum;
  }

  /**
   * The rows the pipeline makes of the end-to-end payloads (one accept call per request), pre-encoded
   * as the sink's writer would batch them: accept calls joined until a batch has at least
   * {@code batchRows} span rows; per batch one RowBinary insert into spans and one into
   * trace_attributions.
   */
  private static final class BareInsert {
    final List<byte[]> spanBatches = new ArrayList<>();
    final List<byte[]> attributionBatches = new ArrayList<>();
    long spanRows;
    long attributionRows;

    static BareInsert of(List<byte[]> payloads, Client client, String db, int batchRows) throws Exception {
      List<List<SpanCostRow>> calls = new ArrayList<>();
      List<List<SpanAttribution>> callAttributions = new ArrayList<>();
      SpanSink collecting = new SpanSink() {
        @Override
        public void accept(List<SpanCostRow> spans, List<SpanAttribution> attributions) {
          calls.add(spans);
          callAttributions.add(attributions);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };
      PricingPipeline pipeline = new PricingPipeline(SpanPricer.builder().build(), collecting,
          AttributionKeys.defaults(), new TraceAttributor(Duration.ofSeconds(30), 100_000));
      for (byte[] b : payloads) {
        pipeline.consume(ExportTraceServiceRequest.parseFrom(b), null);
      }
      SpanRowBinary<SpanCostRow> spans = SpanRowBinary.spans(client.getTableSchema("span_rows", db));
      SpanRowBinary<SpanAttribution> attributions =
          SpanRowBinary.attributions(client.getTableSchema("span_attributions", db));
      BareInsert out = new BareInsert();
      for (int i = 0; i < calls.size(); ) {
        GrowableBytes s = new GrowableBytes(batchRows * 512);
        GrowableBytes a = new GrowableBytes(batchRows * 128);
        int rows = 0;
        for (; i < calls.size() && rows < batchRows; i++) {
          for (SpanCostRow r : calls.get(i)) {
            spans.append(s, r);
            rows++;
          }
          for (SpanAttribution t : callAttributions.get(i)) {
            attributions.append(a, t);
            out.attributionRows++;
          }
        }
        out.spanRows += rows;
        out.spanBatches.add(s.toByteArray());
        out.attributionBatches.add(a.toByteArray());
      }
      return out;
    }

    void run(Client client, String db) throws Exception {
      for (int i = 0; i < spanBatches.size(); i++) {
        client.insert(db + ".span_rows", new ByteArrayInputStream(spanBatches.get(i)), ClickHouseFormat.RowBinary,
            new InsertSettings()).get(5, TimeUnit.MINUTES).close();
        if (attributionBatches.get(i).length > 0) {
          client.insert(db + ".span_attributions", new ByteArrayInputStream(attributionBatches.get(i)),
              ClickHouseFormat.RowBinary, new InsertSettings()).get(5, TimeUnit.MINUTES).close();
        }
      }
    }
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }

  // ---- the phases ----

  /** @return spans/s and CPU µs per span, decoding on this thread for {@code seconds} */
  private static double[] bareDecode(List<byte[]> payloads, int seconds) throws Exception {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long spans = 0;
    long cpu0 = threads.getCurrentThreadCpuTime();
    long t0 = System.nanoTime();
    long end = t0 + TimeUnit.SECONDS.toNanos(seconds);
    long sink = 0;
    for (int i = 0; System.nanoTime() < end; i++) {
      ExportTraceServiceRequest r = ExportTraceServiceRequest.parseFrom(payloads.get(i % payloads.size()));
      sink += r.getResourceSpans(0).getScopeSpans(0).getSpansCount();
      spans += SPANS_PER_REQUEST;
    }
    long cpu = threads.getCurrentThreadCpuTime() - cpu0;
    double wall = (System.nanoTime() - t0) / 1e9;
    if (sink != spans) {
      throw new IllegalStateException("decoded " + sink + " spans, expected " + spans);
    }
    return new double[] {spans / wall, cpu / 1e3 / spans};
  }

  /**
   * Runs the load generator in its own JVM against the receiver in this one, so that this
   * process's CPU time is the receiver's alone (its JIT, GC and transport included) and the load
   * generator's code neither shares its compiler threads nor pollutes its type profiles.
   *
   * @return spans/s, receiver CPU µs/span, load-generator CPU µs/span, GC pause µs/span, and the
   *     receiver's CPU µs/span by where it went: worker threads, transport threads (gRPC event
   *     loops, the HTTP dispatcher), other Java threads, the JVM's own threads (process CPU in no
   *     Java thread), and of those the GC, JIT and VM threads
   */
  private static double[] run(String transport, int port, String mode, int warmUpSeconds, int seconds,
      int requests) throws Exception {
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    try (LoadChild child = LoadChild.start(transport, port, mode, warmUpSeconds, seconds, requests)) {
      long gc0 = gcMillis();
      Map<String, Long> threads0 = cpuByThreadGroup();
      Map<String, Long> jvm0 = jvmThreadCpu();
      long cpu0 = os.getProcessCpuTime();
      long t0 = System.nanoTime();
      long[] done = child.awaitDone();
      long t1 = System.nanoTime();
      long cpu1 = os.getProcessCpuTime();
      Map<String, Long> jvm1 = jvmThreadCpu();
      Map<String, Long> threads1 = cpuByThreadGroup();
      long gc = gcMillis() - gc0;
      long spans = done[0] * SPANS_PER_REQUEST;
      long loadCpu = done[1];
      double wall = (t1 - t0) / 1e9;
      long[] d = new long[THREAD_GROUPS.length];
      long javaThreads = 0;
      for (int g = 0; g < d.length; g++) {
        d[g] = threads1.getOrDefault(THREAD_GROUPS[g], 0L) - threads0.getOrDefault(THREAD_GROUPS[g], 0L);
        javaThreads += d[g];
      }
      long receiverCpu = cpu1 - cpu0;
      long jvm = receiverCpu - javaThreads;
      double[] byKind = new double[3];
      String[] kinds = {"gc", "jit", "vm"};
      for (int k = 0; k < kinds.length; k++) {
        byKind[k] = (jvm1.getOrDefault(kinds[k], 0L) - jvm0.getOrDefault(kinds[k], 0L)) / 1e3 / spans;
      }
      return new double[] {spans / wall, receiverCpu / 1e3 / spans, loadCpu / 1e3 / spans, gc * 1e3 / spans,
          d[0] / 1e3 / spans, d[1] / 1e3 / spans, d[2] / 1e3 / spans, jvm / 1e3 / spans,
          byKind[0], byKind[1], byKind[2]};
    }
  }

  /** The load generator's process, started and past its warm-up (it said GO). */
  static final class LoadChild implements AutoCloseable {
    private final Process process;
    private final java.io.BufferedReader out;

    private LoadChild(Process process) {
      this.process = process;
      this.out = new java.io.BufferedReader(
          new java.io.InputStreamReader(process.getInputStream(), java.nio.charset.StandardCharsets.UTF_8));
    }

    static LoadChild start(String transport, int port, String mode, int warmUpSeconds, int seconds, int requests,
        String... more) throws IOException {
      // C1 only: the load generator is not what is measured, and on the same two cores C2 cost more
      // than the sending itself (measured end to end: 3.4 µs CPU per span with C2 recompiling the
      // client after its warm-up, 0.9-1.2 µs with C1).
      List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElse("java"),
          "-Xmx512m", "-XX:TieredStopAtLevel=1"));
      // For profiling the load generator: -Dbench.load.jvmArgs="-Xlog:gc:file=/tmp/load-gc.log".
      String extra = System.getProperty("bench.load.jvmArgs", "").trim();
      if (!extra.isEmpty()) {
        command.addAll(List.of(extra.split("\\s+")));
      }
      command.addAll(List.of("-cp", System.getProperty("java.class.path"), ReceiverBenchmark.class.getName(),
          LOAD_PROCESS, mode, transport, Integer.toString(port), Integer.toString(warmUpSeconds),
          Integer.toString(seconds), Integer.toString(CLIENT_THREADS), Integer.toString(requests)));
      command.addAll(List.of(more));
      LoadChild child = new LoadChild(new ProcessBuilder(command)
          .redirectError(ProcessBuilder.Redirect.INHERIT).start());
      child.expect("GO");
      return child;
    }

    /** @return requests sent and the load generator's CPU nanoseconds while measured */
    long[] awaitDone() throws IOException, InterruptedException {
      String[] done = expect("DONE");
      if (process.waitFor() != 0) {
        throw new IllegalStateException("the load generator failed");
      }
      return new long[] {Long.parseLong(done[1]), Long.parseLong(done[2])};
    }

    private String[] expect(String word) throws IOException {
      for (String line; (line = out.readLine()) != null; ) {
        if (line.startsWith(word)) {
          return line.split(" ");
        }
      }
      throw new IllegalStateException("the load generator ended before " + word);
    }

    @Override
    public void close() {
      process.destroy();
    }
  }

  /**
   * The load generator process: {@code loop}: sends the loop payloads for a warm-up, says GO, sends
   * for the measured seconds and says DONE with its request count and its own CPU time; {@code
   * all}: warms up on the receiver at the ninth argument's port, says GO, sends each end-to-end
   * payload once, says DONE likewise.
   */
  private static void loadProcess(String[] args) throws Exception {
    String mode = args[1];
    String transport = args[2];
    int port = Integer.parseInt(args[3]);
    int warmUp = Integer.parseInt(args[4]);
    int seconds = Integer.parseInt(args[5]);
    int clients = Integer.parseInt(args[6]);
    int requests = Integer.parseInt(args[7]);
    List<byte[]> payloads = mode.equals("loop") ? payloads(100, 1) : payloads(requests, 2);
    // paced: each payload once, at the rate (spans/s) of the ninth argument.
    long nanosPerRequest = mode.equals("paced")
        ? Math.round(1e9 * SPANS_PER_REQUEST / Double.parseDouble(args[8])) : 0;
    Load load = transport.equals("grpc") ? new GrpcLoad(port) : new HttpLoad(port);
    com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    Load warm = null;
    if (mode.equals("loop")) {
      send(load, payloads, clients, System.nanoTime() + TimeUnit.SECONDS.toNanos(warmUp), false, 0);
    } else if (mode.equals("all") && args.length > 8) {
      // End to end: warm this client up on another (discarding) receiver, not into ClickHouse.
      // It stays open, idle, until the end: closing a channel and its event loop makes the JIT
      // throw away the client's compiled code (measured: ~0.6 s of C2 in the window), and the
      // measured channel is connected before GO with empty exports (no spans, no rows).
      warm = new GrpcLoad(Integer.parseInt(args[8]));
      send(warm, payloads(100, 1), clients, System.nanoTime() + TimeUnit.SECONDS.toNanos(warmUp), false, 0);
      for (int i = 0; i < 10; i++) {
        load.send(new byte[0]);
      }
    }
    long cpu0 = os.getProcessCpuTime();
    System.out.println("GO");
    System.out.flush();
    long sent = mode.equals("loop")
        ? send(load, payloads, clients, System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds), false, 0)
        : send(load, payloads, clients, Long.MAX_VALUE, true, nanosPerRequest);
    System.out.println("DONE " + sent + " " + (os.getProcessCpuTime() - cpu0));
    System.out.flush();
    load.close();
    if (warm != null) {
      warm.close();
    }
    System.exit(0);
  }

  /**
   * Sends from {@code clients} threads until the deadline ({@code once}: each payload once); with
   * {@code nanosPerRequest}, request i not before {@code i × nanosPerRequest} after the start.
   */
  private static long send(Load load, List<byte[]> payloads, int clients, long deadline, boolean once,
      long nanosPerRequest) throws InterruptedException {
    AtomicInteger next = new AtomicInteger();
    AtomicLong sent = new AtomicLong();
    Thread[] threads = new Thread[clients];
    long start = System.nanoTime();
    for (int t = 0; t < clients; t++) {
      threads[t] = new Thread(() -> {
        while (System.nanoTime() < deadline) {
          int i = next.getAndIncrement();
          if (once && i >= payloads.size()) {
            return;
          }
          long due = start + i * nanosPerRequest;
          while (System.nanoTime() < due) {
            java.util.concurrent.locks.LockSupport.parkNanos(due - System.nanoTime());
          }
          load.send(payloads.get(i % payloads.size()));
          sent.incrementAndGet();
        }
      }, CLIENT_THREAD + "-worker-" + t);
      threads[t].start();
    }
    for (Thread t : threads) {
      t.join();
    }
    return sent.get();
  }

  /**
   * CPU time so far (ns) of the JVM's own threads, from /proc (Linux; empty elsewhere), by kind:
   * "gc" (GC and G1 refinement threads), "jit" (compiler threads), "vm" (the rest of them).
   */
  private static Map<String, Long> jvmThreadCpu() {
    Map<String, Long> out = new LinkedHashMap<>();
    Path tasks = Path.of("/proc/self/task");
    if (!Files.isDirectory(tasks)) {
      return out;
    }
    long tickNanos = 10_000_000L; // USER_HZ = 100 on Linux
    try (java.util.stream.Stream<Path> ls = Files.list(tasks)) {
      for (Path task : (Iterable<Path>) ls::iterator) {
        try {
          String stat = Files.readString(task.resolve("stat"));
          String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          long cpu = (Long.parseLong(f[11]) + Long.parseLong(f[12])) * tickNanos; // utime, stime
          String kind = name.startsWith("GC Thread") || name.startsWith("G1 ") ? "gc"
              : name.contains("CompilerThre") ? "jit" : name.startsWith("VM Thread") ? "vm" : null;
          if (kind != null) {
            out.merge(kind, cpu, Long::sum);
          }
        } catch (IOException | RuntimeException e) {
          // a thread that ended while being read
        }
      }
    } catch (IOException e) {
      return out;
    }
    return out;
  }

  /** Thread groups of the receiver's process: everything else, workers, transport, the sink's writer. */
  private static final String[] THREAD_GROUPS = {"other", "workers", "transport", "sink"};

  private static String threadGroup(String name) {
    if (name.startsWith("costtrace-otlp-")) {
      return "workers";
    }
    if (name.startsWith("costtrace-clickhouse-sink")) {
      return "sink";
    }
    if (name.startsWith("grpc-") || name.startsWith("HTTP-Dispatcher")) {
      return "transport";
    }
    return "other";
  }

  /** CPU time so far of the live Java threads, summed by {@link #threadGroup}. */
  private static Map<String, Long> cpuByThreadGroup() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Map<String, Long> out = new LinkedHashMap<>();
    for (java.lang.management.ThreadInfo info : threads.dumpAllThreads(false, false)) {
      long cpu = threads.getThreadCpuTime(info.getThreadId());
      if (cpu > 0) {
        out.merge(threadGroup(info.getThreadName()), cpu, Long::sum);
      }
    }
    return out;
  }

  private static java.util.concurrent.ThreadFactory named(String prefix) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, prefix + "-worker-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }

  // ---- load generators: pre-encoded bytes, their own named threads ----

  private interface Load extends AutoCloseable {
    void send(byte[] request);

    @Override
    void close();
  }

  private static final class GrpcLoad implements Load {
    private final NioEventLoopGroup group = new NioEventLoopGroup(1, named(CLIENT_THREAD + "-grpc-elg"));
    private final ExecutorService executor = Executors.newFixedThreadPool(2, named(CLIENT_THREAD + "-grpc"));
    private final ManagedChannel channel;

    GrpcLoad(int port) {
      channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
          .eventLoopGroup(group).channelType(NioSocketChannel.class).executor(executor)
          .maxInboundMessageSize(16 << 20).build();
    }

    @Override
    public void send(byte[] request) {
      ClientCalls.blockingUnaryCall(channel, RawExport.METHOD, CallOptions.DEFAULT.withDeadlineAfter(60, TimeUnit.SECONDS),
          request);
    }

    @Override
    public void close() {
      channel.shutdownNow();
      try {
        channel.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      executor.shutdownNow();
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }

  private static final class HttpLoad implements Load {
    private final ExecutorService executor = Executors.newFixedThreadPool(2, named(CLIENT_THREAD + "-http"));
    private final HttpClient client = HttpClient.newBuilder().executor(executor).build();
    private final URI uri;

    HttpLoad(int port) {
      uri = URI.create("http://127.0.0.1:" + port + "/v1/traces");
    }

    @Override
    public void send(byte[] request) {
      try {
        HttpResponse<byte[]> r = client.send(HttpRequest.newBuilder(uri)
            .header("Content-Type", "application/x-protobuf")
            .POST(HttpRequest.BodyPublishers.ofByteArray(request)).build(), HttpResponse.BodyHandlers.ofByteArray());
        if (r.statusCode() != 200) {
          throw new IllegalStateException("HTTP " + r.statusCode());
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }

    @Override
    public void close() {
      executor.shutdownNow();
    }
  }

  /** The sink stand-in for the in-process phase: takes and drops, so only the receiver is measured. */
  private static final class DiscardingSink implements SpanSink {
    @Override
    public void accept(List<SpanCostRow> spans, List<SpanAttribution> attributions) {}

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }

  // ---- the workload ----

  private static long priced(byte[] request) throws Exception {
    long n = 0;
    for (Span s : ExportTraceServiceRequest.parseFrom(request).getResourceSpans(0).getScopeSpans(0).getSpansList()) {
      if (s.getKind() != Span.SpanKind.SPAN_KIND_SERVER) {
        n++;
      }
    }
    return n;
  }

  private static KeyValue kv(String key, String value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setStringValue(value)).build();
  }

  private static KeyValue kv(String key, long value) {
    return KeyValue.newBuilder().setKey(key).setValue(AnyValue.newBuilder().setIntValue(value)).build();
  }

  private static ByteString id(Random r, int bytes) {
    byte[] b = new byte[bytes];
    r.nextBytes(b);
    b[0] |= 1;
    return ByteString.copyFrom(b);
  }

  /**
   * Requests of {@value #SPANS_PER_REQUEST} spans shaped as the demo workload's turns, as the Java
   * SDK exports them: a root server span with the conversation, user, tenant and feature; an LLM
   * client span with its usage; a web_search tool span in 15% of turns. Unique IDs throughout.
   */
  static List<byte[]> payloads(int requests, long seed) {
    Random r = new Random(seed);
    Resource resource = Resource.newBuilder()
        .addAttributes(kv("service.name", "demo-chat-app")).addAttributes(kv("service.version", "1.4.2"))
        .addAttributes(kv("telemetry.sdk.language", "java")).addAttributes(kv("telemetry.sdk.name", "opentelemetry"))
        .addAttributes(kv("telemetry.sdk.version", "1.67.0")).addAttributes(kv("host.name", "chat-7f9c6d-x2k4p"))
        .addAttributes(kv("deployment.environment.name", "production")).build();
    InstrumentationScope scope = InstrumentationScope.newBuilder().setName("io.opentelemetry.openai-java-1.1")
        .setVersion("2.33.1-alpha").build();
    long t = 1_767_225_600_000_000_000L;
    List<byte[]> out = new ArrayList<>();
    for (int q = 0; q < requests; q++) {
      ScopeSpans.Builder spans = ScopeSpans.newBuilder().setScope(scope);
      while (spans.getSpansCount() < SPANS_PER_REQUEST) {
        ByteString trace = id(r, 16);
        ByteString rootId = id(r, 8);
        String[] model = MODELS[r.nextInt(MODELS.length)];
        t += 1_000_000_000L + r.nextInt(1_000_000_000);
        long input = 800 + r.nextInt(6000);
        long output = 80 + r.nextInt(700);
        boolean tool = r.nextDouble() < 0.15 && spans.getSpansCount() + 3 <= SPANS_PER_REQUEST;
        if (tool) {
          spans.addSpans(Span.newBuilder().setTraceId(trace).setSpanId(id(r, 8)).setParentSpanId(rootId)
              .setName("execute_tool web_search").setKind(Span.SpanKind.SPAN_KIND_INTERNAL)
              .setStartTimeUnixNano(t + 20_000_000).setEndTimeUnixNano(t + 700_000_000)
              .addAttributes(kv("gen_ai.operation.name", "execute_tool")).addAttributes(kv("gen_ai.tool.name", "web_search"))
              .addAttributes(kv("gen_ai.tool.call.id", "call_" + Long.toHexString(r.nextLong()))));
        }
        Span.Builder llm = Span.newBuilder().setTraceId(trace).setSpanId(id(r, 8)).setParentSpanId(rootId)
            .setName("chat " + model[1]).setKind(Span.SpanKind.SPAN_KIND_CLIENT)
            .setStartTimeUnixNano(t + 710_000_000).setEndTimeUnixNano(t + 1_900_000_000)
            .addAttributes(kv("gen_ai.operation.name", "chat")).addAttributes(kv("gen_ai.provider.name", model[0]))
            .addAttributes(kv("gen_ai.request.model", model[1])).addAttributes(kv("gen_ai.response.model", model[2]))
            .addAttributes(kv("gen_ai.response.id", "chatcmpl-" + Long.toHexString(r.nextLong())))
            .addAttributes(KeyValue.newBuilder().setKey("gen_ai.response.finish_reasons").setValue(AnyValue.newBuilder()
                .setArrayValue(ArrayValue.newBuilder().addValues(AnyValue.newBuilder().setStringValue("stop")))))
            .addAttributes(kv("gen_ai.usage.input_tokens", input)).addAttributes(kv("gen_ai.usage.output_tokens", output))
            .addAttributes(kv("server.address", "api.example.com")).addAttributes(kv("server.port", 443));
        if (r.nextBoolean()) {
          llm.addAttributes(kv("gen_ai.usage.cache_read.input_tokens", input / 2));
        }
        spans.addSpans(llm);
        if (spans.getSpansCount() == SPANS_PER_REQUEST) {
          break; // the last LLM span's root comes in a later request, as with a batch processor
        }
        spans.addSpans(Span.newBuilder().setTraceId(trace).setSpanId(rootId).setName("POST /chat")
            .setKind(Span.SpanKind.SPAN_KIND_SERVER).setStartTimeUnixNano(t).setEndTimeUnixNano(t + 1_950_000_000)
            .addAttributes(kv("gen_ai.conversation.id", String.format("conv-%d-%05d", seed, r.nextInt(50_000))))
            .addAttributes(kv("enduser.id", "user-" + r.nextInt(400)))
            .addAttributes(kv("tenant.id", new String[] {"acme", "globex", "initech", "umbrella"}[r.nextInt(4)]))
            .addAttributes(kv("costtrace.feature", "support-chat")).addAttributes(kv("http.route", "/chat"))
            .addAttributes(kv("http.request.method", "POST")).addAttributes(kv("http.response.status_code", 200))
            .addAttributes(kv("url.path", "/chat")));
      }
      out.add(ExportTraceServiceRequest.newBuilder().addResourceSpans(ResourceSpans.newBuilder()
          .setResource(resource).addScopeSpans(spans)).build().toByteArray());
    }
    return out;
  }
}
