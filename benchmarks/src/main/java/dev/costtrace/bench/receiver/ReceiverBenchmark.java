package dev.costtrace.bench.receiver;

import com.clickhouse.client.api.Client;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.costtrace.config.Config;
import dev.costtrace.receiver.attribution.TraceAttributor;
import dev.costtrace.receiver.ingest.OtlpReceiver;
import dev.costtrace.receiver.pipeline.PricingPipeline;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.engine.ClickHouseResolver;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The OTLP receiver under load, side by side in one run on the same pre-encoded requests (the demo
 * workload's span shapes, {@value Workload#SPANS_PER_REQUEST} spans per request):
 *
 * <ol>
 *   <li>bare protobuf decode ({@code ExportTraceServiceRequest.parseFrom}), one thread: spans/s and
 *       CPU µs per span; and the pipeline's stages on one thread;
 *   <li>the receiver in-process over OTLP/gRPC and over OTLP/HTTP into a sink that discards:
 *       spans/s and receiver CPU µs per span = process CPU time − the load generator's own threads'
 *       CPU time (GC and JIT stay in the receiver's share);
 *   <li>end to end over gRPC into the real ClickHouse through the ClickHouseSink: spans/s until
 *       every priced row is in ClickHouse, against the bare decode plus a bare insert of the same
 *       rows;
 *   <li>rollups: visible after acknowledgement at saturation, and a backlog after a restart.
 * </ol>
 *
 * <p>Run: {@code java -cp benchmarks/target/benchmarks.jar
 * dev.costtrace.bench.receiver.ReceiverBenchmark [seconds per phase] [end-to-end requests]}
 * (defaults 10 and 300). Loopback only, ephemeral ports. Results: benchmarks/results/receiver.json
 * ({@code -Dbench.out}). The phases live in {@link InProcessPhases}, {@link EndToEnd} and {@link
 * RollupLag}; this class only runs them.
 */
public final class ReceiverBenchmark {
  private static final String ALL_PHASES = "decode,stages,grpc,http,e2e,visibility,backlog";

  private ReceiverBenchmark() {}

  public static void main(String[] args) throws Exception {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    int e2eRequests = args.length > 1 ? Integer.parseInt(args[1]) : 300;
    // For profiling one phase at a time: -Dbench.phases=grpc,http (default: all).
    List<String> phases = List.of(System.getProperty("bench.phases", ALL_PHASES).split(","));
    List<byte[]> loop = Workload.payloads(100, 1);
    List<byte[]> e2e = Workload.payloads(e2eRequests, 2);
    long pricedPerRequest = Workload.priced(loop.get(0));
    long e2ePriced = 0;
    for (byte[] b : e2e) {
      e2ePriced += Workload.priced(b);
    }
    System.out.printf(
        Locale.ROOT,
        "%d spans per request (%d priced), %.0f bytes per request%n",
        Workload.SPANS_PER_REQUEST,
        pricedPerRequest,
        loop.stream().mapToInt(b -> b.length).average().orElse(0));
    Map<String, Object> results = new LinkedHashMap<>();
    results.put("date", Instant.now().toString());
    results.put(
        "java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    results.put("cpus", Runtime.getRuntime().availableProcessors());
    results.put("spans_per_request", Workload.SPANS_PER_REQUEST);
    results.put("priced_spans_per_request", pricedPerRequest);
    results.put("seconds_per_phase", seconds);

    // The machine is shared: every phase runs `repeats` times, interleaved, and the median and the
    // best (least CPU) of the runs are reported; interference only ever adds CPU time.
    int repeats = Integer.getInteger("bench.repeats", 3);
    int e2eRepeats = Integer.getInteger("bench.e2e.repeats", 2);
    results.put("repeats", repeats);
    results.put("load_average_at_start", HostCpu.loadAverage());
    // The JIT takes tens of seconds to settle on the receiver's paths (measured: its compiler
    // threads' CPU per span halves with every further 10 s); a receiver runs for hours.
    int warmUp = Integer.getInteger("bench.warmup", Math.max(20, 2 * seconds));
    results.put("warm_up_seconds", warmUp);
    Measurements runs = inProcess(phases, loop, repeats, warmUp, seconds);
    runs.summariseInto(results);
    double bareCpuUs =
        runs.has("bare_decode_cpu_us_per_span")
            ? runs.median("bare_decode_cpu_us_per_span")
            : Double.NaN;
    for (String transport : List.of("grpc", "http")) {
      if (runs.has("receiver_" + transport + "_cpu_us_per_span")) {
        results.put(
            "ratio_receiver_" + transport + "_cpu_to_bare_decode_cpu",
            Measurements.round(
                runs.median("receiver_" + transport + "_cpu_us_per_span") / bareCpuUs));
      }
    }
    if (phases.contains("e2e") || phases.contains("visibility") || phases.contains("backlog")) {
      withClickHouse(phases, e2e, e2ePriced, e2eRepeats, bareCpuUs, runs, results);
    }
    results.put("load_average_at_end", HostCpu.loadAverage());
    results.put("goal_receiver_cpu_us_per_span", 3.0);
    Path out = Path.of(System.getProperty("bench.out", "benchmarks/results/receiver.json"));
    Files.createDirectories(out.getParent());
    String json =
        new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(results);
    Files.writeString(out, json + "\n");
    System.out.println(json);
  }

  /** Phases 1 and 2, {@code repeats} times interleaved, against one discarding receiver. */
  private static Measurements inProcess(
      List<String> phases, List<byte[]> loop, int repeats, int warmUp, int seconds)
      throws Exception {
    Measurements runs = new Measurements();
    OtlpReceiver receiver =
        OtlpReceiver.builder()
            .host("127.0.0.1")
            .grpcPort(0)
            .httpPort(0)
            .consumer(
                PricingPipeline.builder(new DiscardingSink())
                    .attributor(new TraceAttributor(Duration.ofSeconds(30), 100_000))
                    .build())
            .start();
    try {
      for (int rep = 0; rep < repeats; rep++) {
        if (phases.contains("decode")) {
          if (rep == 0) {
            InProcessPhases.bareDecode(loop, warmUp);
          }
          System.gc();
          InProcessPhases.Decode bare = InProcessPhases.bareDecode(loop, seconds);
          runs.add("bare_decode_spans_per_s", bare.spansPerSecond());
          runs.add("bare_decode_cpu_us_per_span", bare.cpuUsPerSpan());
          System.out.printf(
              Locale.ROOT,
              "bare decode: %.0f spans/s, %.3f µs CPU/span%n",
              bare.spansPerSecond(),
              bare.cpuUsPerSpan());
        }
        if (phases.contains("stages")) {
          InProcessPhases.stages(loop, rep == 0 ? warmUp : 2, seconds, runs);
        }
        for (String transport : List.of("grpc", "http")) {
          if (phases.contains(transport)) {
            System.gc();
            int port = transport.equals("grpc") ? receiver.grpcPort() : receiver.httpPort();
            InProcessPhases.ReceiverRun r =
                InProcessPhases.run(transport, port, "loop", rep == 0 ? warmUp : 2, seconds, 0);
            r.addTo(runs, transport);
            System.out.println(r.describe(transport));
          }
        }
      }
    } finally {
      receiver.shutdown(Duration.ofSeconds(1));
    }
    return runs;
  }

  /** The ClickHouse the resolver finds; the embedded engine keeps its data under {@code dir}. */
  static ClickHouseEndpoint clickHouse(Path dir) {
    return ClickHouseResolver.resolve(
        Config.fromEnvironment()
            .withOverrides(
                Map.of("costtrace.clickhouse.embedded.dir", dir.resolve("engine").toString())));
  }

  /** Phases 3 and 4, on an embedded engine of their own (or the configured ClickHouse). */
  private static void withClickHouse(
      List<String> phases,
      List<byte[]> e2e,
      long e2ePriced,
      int e2eRepeats,
      double bareCpuUs,
      Measurements inProcess,
      Map<String, Object> results)
      throws Exception {
    Path tmp = Files.createTempDirectory("costtrace-receiver-bench");
    try (ClickHouseEndpoint endpoint = clickHouse(tmp);
        Client client = endpoint.newClient("default")) {
      // -Dbench.pin=true: ClickHouse on the last CPU, this JVM and the load generator (which
      // inherits it) on the others, as with ClickHouse on its own server: nothing it does then
      // costs the receiver CPU time, and the receiver's work overlaps ClickHouse's.
      boolean pin = Boolean.getBoolean("bench.pin");
      results.put("end_to_end_pinned", pin);
      if (pin) {
        HostCpu.pinClickHouseApart();
      }
      results.put("end_to_end_engine", endpoint.toString());
      results.put("end_to_end_spans_sent", (long) e2e.size() * Workload.SPANS_PER_REQUEST);
      results.put("end_to_end_priced_rows_expected", e2ePriced);
      Measurements runs = new Measurements();
      // Unrecorded runs warm the sink's and the client's code paths up (measured: the receiver's
      // JIT
      // threads take 5-7 µs per span in the first run, 0.4-1.5 in the next ones).
      int warmUps = Integer.getInteger("bench.e2e.warmups", 2);
      results.put("end_to_end_warm_up_runs", warmUps);
      for (int w = 0; w < warmUps && phases.contains("e2e"); w++) {
        EndToEnd.run(
            endpoint,
            client,
            e2e,
            bareCpuUs,
            tmp.resolve("buffer-warm-up-" + w),
            new Measurements());
      }
      for (int rep = 0; rep < e2eRepeats && phases.contains("e2e"); rep++) {
        EndToEnd.run(endpoint, client, e2e, bareCpuUs, tmp.resolve("buffer-" + rep), runs);
      }
      // Rollups visible after acknowledgement at saturation (the end-to-end rate), and a backlog
      // visible after a restart.
      double saturation =
          runs.has("end_to_end_spans_per_s")
              ? runs.median("end_to_end_spans_per_s")
              : Double.parseDouble(System.getProperty("bench.visibility.rate", "50000"));
      if (phases.contains("visibility")) {
        RollupLag.visibility(
            endpoint, client, e2e, saturation, tmp.resolve("buffer-visibility"), runs);
      }
      if (phases.contains("backlog")) {
        RollupLag.backlog(endpoint, client, e2e, tmp.resolve("buffer-backlog"), runs);
      }
      runs.summariseInto(results);
      results.put(
          "ratio_end_to_end_to_bare_decode", Measurements.round(saturation * bareCpuUs / 1e6));
      if (inProcess.has("receiver_grpc_spans_per_s") && phases.contains("e2e")) {
        results.put(
            "ratio_end_to_end_to_receiver_grpc_discard",
            Measurements.round(saturation / inProcess.median("receiver_grpc_spans_per_s")));
      }
    }
  }
}
