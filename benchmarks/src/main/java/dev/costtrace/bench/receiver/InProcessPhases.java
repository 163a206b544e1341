package dev.costtrace.bench.receiver;

import com.sun.management.OperatingSystemMXBean;
import dev.costtrace.pricing.SpanPricer;
import dev.costtrace.pricing.normalize.Attribution;
import dev.costtrace.pricing.normalize.NormalizedSpan;
import dev.costtrace.pricing.normalize.SpanNormalizer;
import dev.costtrace.receiver.attribution.TraceAttributor;
import dev.costtrace.receiver.pipeline.PricingPipeline;
import dev.costtrace.sink.SpanAttribution;
import dev.costtrace.sink.SpanCostRow;
import dev.costtrace.sink.SpanSink;
import dev.costtrace.sink.buffer.RowCodec;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The phases without ClickHouse: bare protobuf decode, the pipeline's stages on one thread, and the
 * receiver in-process over OTLP/gRPC or OTLP/HTTP into a sink that discards.
 */
final class InProcessPhases {
  private InProcessPhases() {}

  /** Bare protobuf decode on one thread: spans/s and CPU µs per span. */
  record Decode(double spansPerSecond, double cpuUsPerSpan) {}

  /** Decodes the payloads in turn on this thread for {@code seconds}. */
  static Decode bareDecode(List<byte[]> payloads, int seconds) throws Exception {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long spans = 0;
    long cpu0 = threads.getCurrentThreadCpuTime();
    long t0 = System.nanoTime();
    long end = t0 + TimeUnit.SECONDS.toNanos(seconds);
    long sink = 0;
    for (int i = 0; System.nanoTime() < end; i++) {
      ExportTraceServiceRequest r =
          ExportTraceServiceRequest.parseFrom(payloads.get(i % payloads.size()));
      sink += r.getResourceSpans(0).getScopeSpans(0).getSpansCount();
      spans += Workload.SPANS_PER_REQUEST;
    }
    long cpu = threads.getCurrentThreadCpuTime() - cpu0;
    double wall = (System.nanoTime() - t0) / 1e9;
    if (sink != spans) {
      throw new IllegalStateException("decoded " + sink + " spans, expected " + spans);
    }
    return new Decode(spans / wall, cpu / 1e3 / spans);
  }

  /**
   * CPU per span of the receiver's stages on one thread, each measured cumulatively over freshly
   * decoded requests (so each includes the cache misses of its first touch of the data): decode; +
   * attribution (the normaliser's one pass over the attributes, merged into the trace); + price;
   * the whole pipeline (+ validation, rows, hex IDs); + the sink's encoding of the rows for its
   * buffer. The increments are the stages' costs.
   */
  static void stages(List<byte[]> payloads, int warmUpSeconds, int seconds, Measurements runs)
      throws Exception {
    String[] stages = {"decode", "attribution", "price", "pipeline", "sink_encode"};
    SpanPricer pricer = SpanPricer.builder().build();
    SpanNormalizer normalizer = SpanNormalizer.defaults();
    double previous = 0;
    for (String stage : stages) {
      SpanSink sink =
          new SpanSink() {
            @Override
            public void accept(List<SpanCostRow> spans, List<SpanAttribution> attributions) {
              if (stage.equals("sink_encode")) {
                RowCodec.encode(spans, attributions);
              }
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
          };
      TraceAttributor attributor = new TraceAttributor(Duration.ofSeconds(30), 100_000);
      PricingPipeline pipeline =
          PricingPipeline.builder(sink).pricer(pricer).attributor(attributor).build();
      double cpu = 0;
      for (int pass = 0; pass < 2; pass++) {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long end =
            System.nanoTime()
                + TimeUnit.SECONDS.toNanos(pass == 0 ? warmUpSeconds / 4 + 1 : seconds);
        long cpu0 = threads.getCurrentThreadCpuTime();
        long spans = 0;
        long check = 0;
        for (int i = 0; System.nanoTime() < end; i++) {
          ExportTraceServiceRequest request =
              ExportTraceServiceRequest.parseFrom(payloads.get(i % payloads.size()));
          spans += Workload.SPANS_PER_REQUEST;
          if (stage.equals("pipeline") || stage.equals("sink_encode")) {
            pipeline.consume(request, null);
            continue;
          }
          long now = System.nanoTime();
          for (ResourceSpans rs : request.getResourceSpansList()) {
            List<KeyValue> resource = rs.getResource().getAttributesList();
            SpanNormalizer.ResourceFacts facts = normalizer.resource(resource);
            for (ScopeSpans ss : rs.getScopeSpansList()) {
              for (Span span : ss.getSpansList()) {
                if (stage.equals("decode")) {
                  check += span.getAttributesCount();
                  continue;
                }
                NormalizedSpan n =
                    normalizer.read(span.getAttributesList(), facts, span.getStartTimeUnixNano());
                Attribution a =
                    attributor
                        .lookup(TraceAttributor.TraceRef.of("", span.getTraceId()), now)
                        .attribution()
                        .orElse(n.attribution());
                if (stage.equals("price")) {
                  check += pricer.price(n, a.tenantId()).status().ordinal();
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
      runs.add("stage_" + stage + "_cumulative_cpu_us_per_span", cpu);
      runs.add("stage_" + stage + "_cpu_us_per_span", cpu - previous);
      System.out.printf(
          Locale.ROOT,
          "stage %-12s %.3f µs CPU/span (cumulative %.3f)%n",
          stage,
          cpu - previous,
          cpu);
      previous = cpu;
    }
  }

  /**
   * The receiver in-process into a discarding sink: spans/s, its CPU µs per span, the load
   * generator's, GC pauses, and the receiver's CPU µs per span by where it went: worker threads,
   * transport threads (gRPC event loops, the HTTP dispatcher), other Java threads, the JVM's own
   * threads (process CPU in no Java thread), and of those the GC, JIT and VM threads.
   */
  record ReceiverRun(
      double spansPerSecond,
      double cpuUs,
      double loadGeneratorCpuUs,
      double gcPauseUs,
      double workerThreadsUs,
      double transportThreadsUs,
      double otherThreadsUs,
      double jvmThreadsUs,
      double jvmGcThreadsUs,
      double jvmJitThreadsUs,
      double jvmVmThreadsUs) {

    void addTo(Measurements runs, String transport) {
      String p = "receiver_" + transport;
      runs.add(p + "_spans_per_s", spansPerSecond);
      runs.add(p + "_cpu_us_per_span", cpuUs);
      runs.add(p + "_load_generator_cpu_us_per_span", loadGeneratorCpuUs);
      runs.add(p + "_gc_pause_us_per_span", gcPauseUs);
      runs.add(p + "_worker_threads_cpu_us_per_span", workerThreadsUs);
      runs.add(p + "_transport_threads_cpu_us_per_span", transportThreadsUs);
      runs.add(p + "_other_threads_cpu_us_per_span", otherThreadsUs);
      runs.add(p + "_jvm_threads_cpu_us_per_span", jvmThreadsUs);
      runs.add(p + "_jvm_gc_threads_cpu_us_per_span", jvmGcThreadsUs);
      runs.add(p + "_jvm_jit_threads_cpu_us_per_span", jvmJitThreadsUs);
    }

    String describe(String transport) {
      return String.format(
          Locale.ROOT,
          "receiver %s → discard: %.0f spans/s, %.3f µs receiver CPU/span"
              + " (workers %.3f, transport %.3f, other %.3f, JVM's own threads %.3f: GC %.3f, JIT %.3f, VM %.3f;"
              + " load generator %.3f µs/span; GC pauses %.3f µs/span)",
          transport,
          spansPerSecond,
          cpuUs,
          workerThreadsUs,
          transportThreadsUs,
          otherThreadsUs,
          jvmThreadsUs,
          jvmGcThreadsUs,
          jvmJitThreadsUs,
          jvmVmThreadsUs,
          loadGeneratorCpuUs,
          gcPauseUs);
    }
  }

  /**
   * Runs the load generator in its own JVM against the receiver in this one, so that this process's
   * CPU time is the receiver's alone (its JIT, GC and transport included) and the load generator's
   * code neither shares its compiler threads nor pollutes its type profiles.
   */
  static ReceiverRun run(
      String transport, int port, String mode, int warmUpSeconds, int seconds, int requests)
      throws Exception {
    OperatingSystemMXBean os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    try (LoadChild child =
        LoadChild.start(transport, port, mode, warmUpSeconds, seconds, requests)) {
      long gc0 = HostCpu.gcMillis();
      Map<String, Long> threads0 = HostCpu.cpuByThreadGroup();
      Map<String, Long> jvm0 = HostCpu.jvmThreadCpu();
      long cpu0 = os.getProcessCpuTime();
      long t0 = System.nanoTime();
      LoadChild.Done done = child.awaitDone();
      long t1 = System.nanoTime();
      long cpu1 = os.getProcessCpuTime();
      Map<String, Long> jvm1 = HostCpu.jvmThreadCpu();
      Map<String, Long> threads1 = HostCpu.cpuByThreadGroup();
      long gc = HostCpu.gcMillis() - gc0;
      long spans = done.spans();
      long loadCpu = done.cpuNanos();
      double wall = (t1 - t0) / 1e9;
      long[] d = new long[HostCpu.THREAD_GROUPS.length];
      long javaThreads = 0;
      for (int g = 0; g < d.length; g++) {
        d[g] =
            threads1.getOrDefault(HostCpu.THREAD_GROUPS[g], 0L)
                - threads0.getOrDefault(HostCpu.THREAD_GROUPS[g], 0L);
        javaThreads += d[g];
      }
      long receiverCpu = cpu1 - cpu0;
      long jvm = receiverCpu - javaThreads;
      double[] byKind = new double[3];
      String[] kinds = {"gc", "jit", "vm"};
      for (int k = 0; k < kinds.length; k++) {
        byKind[k] =
            (jvm1.getOrDefault(kinds[k], 0L) - jvm0.getOrDefault(kinds[k], 0L)) / 1e3 / spans;
      }
      return new ReceiverRun(
          spans / wall,
          receiverCpu / 1e3 / spans,
          loadCpu / 1e3 / spans,
          gc * 1e3 / spans,
          d[1] / 1e3 / spans,
          d[2] / 1e3 / spans,
          d[0] / 1e3 / spans,
          jvm / 1e3 / spans,
          byKind[0],
          byKind[1],
          byKind[2]);
    }
  }
}
