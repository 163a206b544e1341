package dev.costtrace.agent.it;

import com.sun.net.httpserver.HttpServer;
import java.io.File;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Side-by-side overhead of costtrace-javaagent.jar vs the plain upstream agent: the same test app
 * (real OpenAI SDK, loopback replay server, spans exported to a discarding loopback OTLP endpoint)
 * is started alternately with each agent; per-call latency p50/p99 and JVM-start-to-main time are
 * collected, medians over the rounds, and written to {@code <out>.json} and {@code <out>.md}.
 *
 * <p>Arguments: {@code <costtrace-jar> <upstream-jar> <app-classpath> <out-base> [rounds] [calls]}.
 */
public final class AgentBenchmark {
  private AgentBenchmark() {}

  public static void main(String[] args) throws Exception {
    String costtraceJar = args[0];
    String upstreamJar = args[1];
    String classpath = args[2];
    Path out = Path.of(args[3]);
    int rounds = args.length > 4 ? Integer.parseInt(args[4]) : 3;
    int calls = args.length > 5 ? Integer.parseInt(args[5]) : 2000;

    // Without TCP_NODELAY the JDK server's header/body writes meet delayed ACKs (~40 ms a call),
    // which would drown the microseconds being measured.
    System.setProperty("sun.net.httpserver.nodelay", "true");
    byte[] chat;
    try (InputStream in =
        AgentBenchmark.class.getClassLoader()
            .getResourceAsStream("fixtures/openai/chat-completion.json")) {
      chat = in.readAllBytes();
    }
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/v1/chat/completions",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, chat.length);
          try (OutputStream o = exchange.getResponseBody()) {
            o.write(chat);
          }
        });
    server.createContext(
        "/v1/traces",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          exchange.sendResponseHeaders(200, 0);
          exchange.close();
        });
    server.start();
    String base = "http://127.0.0.1:" + server.getAddress().getPort();
    try {
      List<double[]> upstream = new ArrayList<>();
      List<double[]> costtrace = new ArrayList<>();
      for (int r = 0; r < rounds; r++) {
        upstream.add(run(upstreamJar, classpath, base, calls));
        costtrace.add(run(costtraceJar, classpath, base, calls));
      }
      double[] u = medians(upstream);
      double[] c = medians(costtrace);
      String json =
          String.format(
              Locale.ROOT,
              "{%n  \"rounds\": %d,%n  \"calls_per_round\": %d,%n"
                  + "  \"upstream\": {\"startup_ms\": %.1f, \"p50_us\": %.1f, \"p99_us\": %.1f},%n"
                  + "  \"costtrace\": {\"startup_ms\": %.1f, \"p50_us\": %.1f, \"p99_us\": %.1f},%n"
                  + "  \"added_p50_us\": %.1f,%n  \"added_p99_us\": %.1f,%n"
                  + "  \"startup_ratio\": %.3f%n}%n",
              rounds, calls, u[0], u[1], u[2], c[0], c[1], c[2], c[1] - u[1], c[2] - u[2],
              c[0] / u[0]);
      String md =
          String.format(
              Locale.ROOT,
              "# costtrace-javaagent vs upstream opentelemetry-javaagent 2.33.1%n%n"
                  + "Median of %d alternating rounds, %d OpenAI chat calls each (loopback replay).%n%n"
                  + "| agent | startup to main (ms) | p50 per call (µs) | p99 per call (µs) |%n"
                  + "|---|---|---|---|%n"
                  + "| upstream | %.1f | %.1f | %.1f |%n"
                  + "| costtrace | %.1f | %.1f | %.1f |%n%n"
                  + "Added per call: p50 %.1f µs, p99 %.1f µs. Startup ratio costtrace/upstream: %.3f%n",
              rounds, calls, u[0], u[1], u[2], c[0], c[1], c[2], c[1] - u[1], c[2] - u[2],
              c[0] / u[0]);
      Files.createDirectories(out.toAbsolutePath().getParent());
      Files.writeString(Path.of(out + ".json"), json);
      Files.writeString(Path.of(out + ".md"), md);
      System.out.print(md);
    } finally {
      server.stop(0);
    }
  }

  private static double[] run(String agentJar, String classpath, String base, int calls)
      throws Exception {
    List<String> cmd =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-javaagent:" + agentJar,
            "-Dotel.exporter.otlp.endpoint=" + base,
            "-Dotel.metrics.exporter=none",
            "-Dotel.logs.exporter=none",
            "-cp",
            classpath,
            AgentTestApp.class.getName(),
            "bench",
            base + "/v1",
            Integer.toString(calls));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException("benchmark app failed:" + File.separator + text);
    }
    for (String line : text.split("\n")) {
      if (line.startsWith("BENCH ")) {
        String[] parts = line.substring(6).trim().split(" ");
        double[] v = new double[3];
        for (int i = 0; i < 3; i++) {
          v[i] = Double.parseDouble(parts[i].substring(parts[i].indexOf('=') + 1));
        }
        return v;
      }
    }
    throw new IllegalStateException("no BENCH line in: " + text);
  }

  private static double[] medians(List<double[]> runs) {
    double[] m = new double[3];
    for (int i = 0; i < 3; i++) {
      double[] col = new double[runs.size()];
      for (int r = 0; r < runs.size(); r++) {
        col[r] = runs.get(r)[i];
      }
      java.util.Arrays.sort(col);
      m[i] = col[col.length / 2];
    }
    return m;
  }
}
