package dev.costtrace.agent.it;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.context.Scope;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import okhttp3.OkHttpClient;
import okhttp3.Response;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.Options;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.util.Statistics;

/**
 * What one LLM call costs the application with no agent, the plain upstream agent and
 * costtrace-javaagent (JMH, sample time, per-call latency percentiles): a real OpenAI SDK chat
 * call, a real Anthropic SDK message call and a raw OkHttp OpenAI-compatible call (our HTTP
 * capture), each under app baggage, against {@link VendorReplayServer}. The replay server and the
 * discarding OTLP endpoint run in the JMH host process, so the agent under test instruments only
 * the app.
 *
 * <p>{@link #measure} runs one JMH fork per agent and benchmark, {@code rounds} times, the agent
 * order rotated each round; the added latency is costtrace − upstream per round (paired).
 */
@State(org.openjdk.jmh.annotations.Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 10, time = 1)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class AgentCallBenchmark {
  /** System property of the fork: the replay server's {@code http://127.0.0.1:port}. */
  static final String VENDOR_PROPERTY = "costtrace.bench.vendor";

  static final String[] BENCHMARKS = {"openAiSdkChat", "anthropicSdkMessage", "okHttpChat"};
  static final double[] PERCENTILES = {50, 90, 99, 99.9};

  private OpenAiCalls openAi;
  private AnthropicCalls anthropic;
  private OkHttpClient okHttp;
  private String chatUrl;
  private Baggage baggage;

  @Setup
  public void setUp() {
    String base = System.getProperty(VENDOR_PROPERTY);
    openAi = new OpenAiCalls(base + "/v1");
    anthropic = new AnthropicCalls(base);
    okHttp = new OkHttpClient();
    chatUrl = base + "/v1/chat/completions";
    baggage = Baggage.builder().put("gen_ai.conversation.id", "conv-bench").build();
  }

  @TearDown
  public void tearDown() {
    okHttp.dispatcher().executorService().shutdown();
    okHttp.connectionPool().evictAll();
  }

  @Benchmark
  public String openAiSdkChat() {
    return openAi.chatWithBaggage("conv-bench");
  }

  @Benchmark
  public String anthropicSdkMessage() {
    try (Scope ignored = baggage.makeCurrent()) {
      return anthropic.message();
    }
  }

  @Benchmark
  public byte[] okHttpChat() throws IOException {
    try (Scope ignored = baggage.makeCurrent();
        Response response =
            okHttp
                .newCall(HttpCaptureTestApp.request(chatUrl, HttpCaptureTestApp.CHAT, "chat-json"))
                .execute()) {
      return response.body().bytes();
    }
  }

  /**
   * Runs every benchmark in its own fork per agent ({@code jars}: name to agent jar, {@code null}
   * for none) and round; the forks get {@code appClasspath}. Returns {@code [json, markdown]}.
   */
  static String[] measure(
      Map<String, String> jars,
      String appClasspath,
      int rounds,
      VendorReplayServer vendor,
      OtlpTestBackend otlp)
      throws Exception {
    List<String> agents = new ArrayList<>(jars.keySet());
    // JMH starts its forks with this process's java.class.path: the app's, not the test's.
    String hostClasspath = System.getProperty("java.class.path");
    System.setProperty("java.class.path", appClasspath);
    // [agent][benchmark][round][percentile]
    double[][][][] pct = new double[agents.size()][BENCHMARKS.length][rounds][PERCENTILES.length];
    long[][][] samples = new long[agents.size()][BENCHMARKS.length][rounds];
    try {
      for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < agents.size(); i++) {
          int a = (i + r) % agents.size();
          List<String> jvmArgs = new ArrayList<>();
          String jar = jars.get(agents.get(a));
          if (jar != null) {
            jvmArgs.add("-javaagent:" + jar);
          }
          jvmArgs.add("-D" + VENDOR_PROPERTY + "=" + vendor.anthropicBaseUrl());
          jvmArgs.add("-Dotel.service.name=costtrace-bench");
          jvmArgs.add("-Dotel.exporter.otlp.endpoint=" + otlp.endpoint());
          jvmArgs.add("-Dotel.metrics.exporter=none");
          jvmArgs.add("-Dotel.logs.exporter=none");
          jvmArgs.add("-Dcosttrace.agent.http.hosts=127.0.0.1");
          jvmArgs.add("-Xms512m");
          jvmArgs.add("-Xmx512m");
          Options options =
              new OptionsBuilder()
                  .include(AgentCallBenchmark.class.getName() + "\\.")
                  .jvmArgsAppend(jvmArgs.toArray(new String[0]))
                  .shouldFailOnError(true)
                  .build();
          Collection<RunResult> results = new Runner(options).run();
          for (RunResult result : results) {
            BenchmarkParams params = result.getParams();
            String method =
                params.getBenchmark().substring(params.getBenchmark().lastIndexOf('.') + 1);
            int b = List.of(BENCHMARKS).indexOf(method);
            Statistics stats = result.getPrimaryResult().getStatistics();
            for (int p = 0; p < PERCENTILES.length; p++) {
              pct[a][b][r][p] = stats.getPercentile(PERCENTILES[p]);
            }
            samples[a][b][r] = stats.getN();
          }
        }
      }
    } finally {
      System.setProperty("java.class.path", hostClasspath);
    }
    return new String[] {json(agents, pct, samples, rounds), markdown(agents, pct, rounds)};
  }

  /** Per agent, benchmark and percentile: the value of each round. */
  private static double[] rounds(double[][][][] pct, int a, int b, int p, int rounds) {
    double[] v = new double[rounds];
    for (int r = 0; r < rounds; r++) {
      v[r] = pct[a][b][r][p];
    }
    return v;
  }

  private static String json(
      List<String> agents, double[][][][] pct, long[][][] samples, int rounds) {
    int up = agents.indexOf("upstream");
    int ct = agents.indexOf("costtrace");
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "{%n    \"rounds\": %d,%n    \"unit\": \"us\",%n    \"benchmarks\": {",
            rounds));
    for (int b = 0; b < BENCHMARKS.length; b++) {
      sb.append(b == 0 ? "" : ",")
          .append(String.format(Locale.ROOT, "%n      \"%s\": {", BENCHMARKS[b]));
      for (int a = 0; a < agents.size(); a++) {
        Map<String, String> fields = new LinkedHashMap<>();
        for (int p = 0; p < PERCENTILES.length; p++) {
          fields.put("p" + label(PERCENTILES[p]), array(rounds(pct, a, b, p, rounds)));
        }
        long n = 0;
        for (long s : samples[a][b]) {
          n += s;
        }
        fields.put("samples", Long.toString(n));
        sb.append(a == 0 ? "" : ",")
            .append(
                String.format(Locale.ROOT, "%n        \"%s\": %s", agents.get(a), object(fields)));
      }
      Map<String, String> added = new LinkedHashMap<>();
      for (int p = 0; p < PERCENTILES.length; p++) {
        double[] d =
            BenchStats.differences(rounds(pct, ct, b, p, rounds), rounds(pct, up, b, p, rounds));
        double[] range = BenchStats.medianInterval(d);
        added.put(
            "p" + label(PERCENTILES[p]),
            String.format(
                Locale.ROOT,
                "{\"median\": %.1f, \"interval\": [%.1f, %.1f], \"rounds\": %s}",
                BenchStats.median(d),
                range[0],
                range[1],
                array(d)));
      }
      sb.append(
          String.format(
              Locale.ROOT, ",%n        \"costtrace_minus_upstream\": %s%n      }", object(added)));
    }
    sb.append(String.format("%n    }%n  }"));
    return sb.toString();
  }

  private static String markdown(List<String> agents, double[][][][] pct, int rounds) {
    int none = agents.indexOf("none");
    int up = agents.indexOf("upstream");
    int ct = agents.indexOf("costtrace");
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "Per-call latency (µs), median over %d rounds of one JMH fork per agent (sample time; the"
                + " interval is the smallest to largest round when fewer than 6 rounds, else the 95%% CI"
                + " of the median):%n%n"
                + "| call | percentile | no agent | upstream | costtrace | added (costtrace − upstream) |%n"
                + "|---|---|---:|---:|---:|---:|%n",
            rounds));
    for (int b = 0; b < BENCHMARKS.length; b++) {
      for (int p = 0; p < PERCENTILES.length; p++) {
        double[] d =
            BenchStats.differences(rounds(pct, ct, b, p, rounds), rounds(pct, up, b, p, rounds));
        double[] range = BenchStats.medianInterval(d);
        sb.append(
            String.format(
                Locale.ROOT,
                "| %s | p%s | %.1f | %.1f | %.1f | %+.1f [%+.1f, %+.1f] |%n",
                BENCHMARKS[b],
                label(PERCENTILES[p]),
                BenchStats.median(rounds(pct, none, b, p, rounds)),
                BenchStats.median(rounds(pct, up, b, p, rounds)),
                BenchStats.median(rounds(pct, ct, b, p, rounds)),
                BenchStats.median(d),
                range[0],
                range[1]));
      }
    }
    return sb.toString();
  }

  private static String label(double percentile) {
    return percentile == Math.rint(percentile)
        ? Integer.toString((int) percentile)
        : Double.toString(percentile);
  }

  static String array(double[] v) {
    List<String> parts = new ArrayList<>();
    for (double x : v) {
      parts.add(String.format(Locale.ROOT, "%.1f", x));
    }
    return "[" + String.join(", ", parts) + "]";
  }

  private static String object(Map<String, String> fields) {
    List<String> parts = new ArrayList<>();
    fields.forEach((k, v) -> parts.add("\"" + k + "\": " + v));
    return "{" + String.join(", ", parts) + "}";
  }
}
