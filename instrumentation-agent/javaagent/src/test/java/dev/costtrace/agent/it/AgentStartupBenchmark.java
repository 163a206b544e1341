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
 * costtrace-javaagent, one of each per round, the order rotated every round. Two measures per mark
 * (main, after the first OpenAI call, after the first Anthropic call): wall time from just before
 * this process starts the JVM, and the CPU time the app JVM reports having used so far (robust to
 * other load on the machine). The difference costtrace − upstream is paired by round.
 */
public final class AgentStartupBenchmark {
  static final String[] AGENTS = {"none", "upstream", "costtrace"};
  static final String[] MARKS = {"main", "openai", "anthropic"};
  private static final String[] MEASURES = {"wall_ms", "cpu_ms"};

  private AgentStartupBenchmark() {}

  /**
   * Runs {@code rounds} rounds of one app JVM per agent ({@code jars}: none, upstream, costtrace,
   * {@code null} jar for none). Returns {@code [json, markdown]}.
   */
  static String[] measure(
      Map<String, String> jars,
      String classpath,
      int rounds,
      VendorReplayServer vendor,
      OtlpTestBackend otlp)
      throws Exception {
    // [measure][agent][mark][round]
    double[][][][] v = new double[MEASURES.length][AGENTS.length][MARKS.length][rounds];
    for (int r = 0; r < rounds; r++) {
      for (int i = 0; i < AGENTS.length; i++) {
        int a = (i + r) % AGENTS.length;
        double[][] marks = run(jars.get(AGENTS[a]), otlp.endpoint(), classpath, vendor);
        for (int k = 0; k < MEASURES.length; k++) {
          for (int m = 0; m < MARKS.length; m++) {
            v[k][a][m][r] = marks[k][m];
          }
        }
      }
      System.err.printf(Locale.ROOT, "startup round %d/%d done%n", r + 1, rounds);
    }
    StringBuilder json =
        new StringBuilder(String.format(Locale.ROOT, "{%n    \"rounds\": %d", rounds));
    StringBuilder md = new StringBuilder();
    for (int k = 0; k < MEASURES.length; k++) {
      json.append(String.format(",%n    \"%s\": ", MEASURES[k])).append(json(v[k]));
      md.append(markdown(MEASURES[k], v[k], rounds)).append(String.format("%n"));
    }
    json.append(String.format("%n  }"));
    return new String[] {json.toString(), md.toString()};
  }

  /** [wall ms from process start, app CPU ms] per mark. */
  private static double[][] run(
      String agentJar, String otlp, String classpath, VendorReplayServer v) throws Exception {
    List<String> cmd =
        AgentProcess.command(
            agentJar,
            otlp,
            classpath,
            List.of(),
            AgentTestApp.class,
            "startup",
            v.baseUrl("127.0.0.1"),
            v.anthropicBaseUrl());
    double[][] marks = new double[MEASURES.length][MARKS.length];
    long t0 = System.nanoTime();
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    StringBuilder text = new StringBuilder();
    int seen = 0;
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        long t = System.nanoTime();
        text.append(line).append('\n');
        String prefix = "STARTUP " + (seen < MARKS.length ? MARKS[seen] : "") + " cpu_ms=";
        if (seen < MARKS.length && line.startsWith(prefix)) {
          marks[0][seen] = (t - t0) / 1e6;
          marks[1][seen] = Double.parseDouble(line.substring(prefix.length()).split(" ")[0]);
          seen++;
        }
      }
    }
    if (p.waitFor() != 0 || seen < MARKS.length) {
      throw new IllegalStateException("startup app failed: " + cmd + "\n" + text);
    }
    return marks;
  }

  /** One measure: per agent and mark the median and every round, then the paired difference. */
  private static String json(double[][][] ms) {
    StringBuilder sb = new StringBuilder("{");
    for (int a = 0; a < AGENTS.length; a++) {
      sb.append(a == 0 ? "" : ",")
          .append(String.format(Locale.ROOT, "%n      \"%s\": {", AGENTS[a]));
      for (int m = 0; m < MARKS.length; m++) {
        sb.append(m == 0 ? "" : ",")
            .append(
                String.format(
                    Locale.ROOT,
                    "%n        \"%s\": {\"median\": %.1f, \"runs\": %s}",
                    MARKS[m],
                    BenchStats.median(ms[a][m]),
                    AgentCallBenchmark.array(ms[a][m])));
      }
      sb.append(String.format("%n      }"));
    }
    sb.append(String.format(",%n      \"costtrace_minus_upstream\": {"));
    for (int m = 0; m < MARKS.length; m++) {
      double[] d = BenchStats.differences(ms[2][m], ms[1][m]);
      double[] ci = BenchStats.medianInterval(d);
      sb.append(m == 0 ? "" : ",")
          .append(
              String.format(
                  Locale.ROOT,
                  "%n        \"%s\": {\"median\": %.1f, \"ci95\": [%.1f, %.1f], \"measurable\": %b}",
                  MARKS[m],
                  BenchStats.median(d),
                  ci[0],
                  ci[1],
                  BenchStats.excludesZero(ci)));
    }
    sb.append(String.format("%n      }%n    }"));
    return sb.toString();
  }

  private static String markdown(String measure, double[][][] ms, int rounds) {
    String what =
        measure.equals("wall_ms")
            ? "Wall ms from process start"
            : "CPU ms the app JVM had used (all threads)";
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "%s, median over %d rounds (no agent / upstream / costtrace, order rotated each round):%n%n"
                + "| mark | no agent | upstream | costtrace | costtrace − upstream (median of paired"
                + " differences, 95%% CI) | measurable |%n|---|---:|---:|---:|---:|---|%n",
            what,
            rounds));
    for (int m = 0; m < MARKS.length; m++) {
      double[] d = BenchStats.differences(ms[2][m], ms[1][m]);
      double[] ci = BenchStats.medianInterval(d);
      sb.append(
          String.format(
              Locale.ROOT,
              "| %s | %.0f | %.0f | %.0f | %+.0f [%+.0f, %+.0f] | %s |%n",
              MARKS[m],
              BenchStats.median(ms[0][m]),
              BenchStats.median(ms[1][m]),
              BenchStats.median(ms[2][m]),
              BenchStats.median(d),
              ci[0],
              ci[1],
              BenchStats.excludesZero(ci) ? "yes" : "no"));
    }
    return sb.toString();
  }
}
