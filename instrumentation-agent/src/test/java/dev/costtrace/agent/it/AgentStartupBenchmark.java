package dev.costtrace.agent.it;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Startup of the same app ({@link AgentTestApp} {@code startup}: real OpenAI and Anthropic SDKs
 * against {@link VendorReplayServer}) with no agent, the plain upstream agent and
 * costtrace-javaagent, one of each per round, the order rotated every round. Timed from this
 * process, from just before the JVM is started to the app's line at main and after its first
 * OpenAI call and first Anthropic call. The difference costtrace − upstream is paired by round.
 */
public final class AgentStartupBenchmark {
  static final String[] AGENTS = {"none", "upstream", "costtrace"};
  static final String[] MARKS = {"main", "openai", "anthropic"};

  private AgentStartupBenchmark() {}

  /**
   * Runs {@code rounds} rounds of one app JVM per agent ({@code jars}: none, upstream, costtrace,
   * {@code null} jar for none). Returns {@code [json, markdown]}.
   */
  static String[] measure(Map<String, String> jars, String classpath, int rounds,
      VendorReplayServer vendor, OtlpTestBackend otlp) throws Exception {
    // ms from process start to each mark: [agent][mark][round]
    double[][][] ms = new double[AGENTS.length][MARKS.length][rounds];
    for (int r = 0; r < rounds; r++) {
      for (int i = 0; i < AGENTS.length; i++) {
        int a = (i + r) % AGENTS.length;
        double[] marks = run(jars.get(AGENTS[a]), otlp.endpoint(), classpath, vendor);
        for (int m = 0; m < MARKS.length; m++) {
          ms[a][m][r] = marks[m];
        }
      }
      System.err.printf(Locale.ROOT, "startup round %d/%d done%n", r + 1, rounds);
    }
    return new String[] {json(ms, rounds), markdown(ms, rounds)};
  }

  private static double[] run(String agentJar, String otlp, String classpath, VendorReplayServer v)
      throws Exception {
    List<String> cmd =
        AgentProcess.command(agentJar, otlp, classpath, List.of(), AgentTestApp.class, "startup",
            v.baseUrl("127.0.0.1"), v.anthropicBaseUrl());
    double[] marks = new double[MARKS.length];
    long t0 = System.nanoTime();
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    StringBuilder text = new StringBuilder();
    int seen = 0;
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        long t = System.nanoTime();
        text.append(line).append('\n');
        if (seen < MARKS.length && line.startsWith("STARTUP " + MARKS[seen])) {
          marks[seen++] = (t - t0) / 1e6;
        }
      }
    }
    if (p.waitFor() != 0 || seen < MARKS.length) {
      throw new IllegalStateException("startup app failed: " + cmd + "\n" + text);
    }
    return marks;
  }

  static String json(double[][][] ms, int rounds) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT, "{%n    \"rounds\": %d,%n    \"ms_from_process_start\": {", rounds));
    for (int a = 0; a < AGENTS.length; a++) {
      sb.append(a == 0 ? "" : ",").append(String.format(Locale.ROOT, "%n      \"%s\": {", AGENTS[a]));
      for (int m = 0; m < MARKS.length; m++) {
        sb.append(m == 0 ? "" : ",")
            .append(String.format(Locale.ROOT, "%n        \"%s\": {\"median\": %.1f, \"runs\": %s}",
                MARKS[m], BenchStats.median(ms[a][m]), AgentCallBenchmark.array(ms[a][m])));
      }
      sb.append(String.format("%n      }"));
    }
    sb.append(String.format("%n    },%n    \"costtrace_minus_upstream_ms\": {"));
    for (int m = 0; m < MARKS.length; m++) {
      double[] d = BenchStats.differences(ms[2][m], ms[1][m]);
      double[] ci = BenchStats.medianInterval(d);
      sb.append(m == 0 ? "" : ",")
          .append(String.format(Locale.ROOT,
              "%n      \"%s\": {\"median\": %.1f, \"ci95\": [%.1f, %.1f], \"measurable\": %b}",
              MARKS[m], BenchStats.median(d), ci[0], ci[1], BenchStats.excludesZero(ci)));
    }
    sb.append(String.format("%n    }%n  }"));
    return sb.toString();
  }

  static String markdown(double[][][] ms, int rounds) {
    StringBuilder sb = new StringBuilder();
    sb.append(String.format(Locale.ROOT,
        "Median ms from process start over %d rounds (no agent / upstream / costtrace, order rotated"
            + " each round):%n%n| mark | no agent | upstream | costtrace | costtrace − upstream"
            + " (median of paired differences, 95%% CI) | measurable |%n|---|---:|---:|---:|---:|---|%n",
        rounds));
    for (int m = 0; m < MARKS.length; m++) {
      double[] d = BenchStats.differences(ms[2][m], ms[1][m]);
      double[] ci = BenchStats.medianInterval(d);
      sb.append(String.format(Locale.ROOT, "| %s | %.0f | %.0f | %.0f | %+.0f [%+.0f, %+.0f] | %s |%n",
          MARKS[m], BenchStats.median(ms[0][m]), BenchStats.median(ms[1][m]),
          BenchStats.median(ms[2][m]), BenchStats.median(d), ci[0], ci[1],
          BenchStats.excludesZero(ci) ? "yes" : "no"));
    }
    return sb.toString();
  }
}
