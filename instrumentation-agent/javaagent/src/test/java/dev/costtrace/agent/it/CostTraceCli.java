package dev.costtrace.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The built costtrace executable (otlp-receiver's {@code target/costtrace.jar}) run as a user runs
 * it, each command its own JVM, with a test's own database and sink buffer: on the server {@code
 * CLICKHOUSE_URL} names when set, else on an embedded engine in the test's directory (never a
 * Docker container per process: serve and report must see the same engine).
 */
final class CostTraceCli {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern PORTS =
      Pattern.compile("receiving OTLP/gRPC on :(\\d+) and OTLP/HTTP on :(\\d+)");

  private final Path dir;
  private final String database;

  /** @param dir the engine's and the buffer's directory; {@code database} the test's own */
  CostTraceCli(Path dir, String database) {
    this.dir = dir;
    this.database = database;
  }

  /** {@code costtrace serve} on ephemeral ports, started and ready. */
  Serving serve() throws Exception {
    Process serve = command("serve", "--grpc-port", "0", "--http-port", "0").start();
    List<String> lines = new ArrayList<>();
    return new Serving(serve, awaitHttpPort(serve, lines), lines);
  }

  /** A running {@code costtrace serve}. */
  static final class Serving implements AutoCloseable {
    private final Process process;
    private final int httpPort;
    private final List<String> output;
    private boolean stopped;

    private Serving(Process process, int httpPort, List<String> output) {
      this.process = process;
      this.httpPort = httpPort;
      this.output = output;
    }

    /** Its OTLP/HTTP endpoint, as an exporter's {@code otel.exporter.otlp.endpoint}. */
    String endpoint() {
      return "http://127.0.0.1:" + httpPort;
    }

    /** SIGTERM, as Ctrl-C: it drains and flushes everything it acknowledged, then exits. */
    void stop() throws InterruptedException {
      if (stopped) {
        return;
      }
      stopped = true;
      process.destroy();
      boolean exited = process.waitFor(60, TimeUnit.SECONDS);
      synchronized (output) {
        assertThat(exited).as(String.join("\n", output)).isTrue();
      }
    }

    @Override
    public void close() throws InterruptedException {
      stop();
    }
  }

  /** Reads serve's output until it names its ports; keeps draining it afterwards. */
  private static int awaitHttpPort(Process serve, List<String> lines) throws Exception {
    BufferedReader out =
        new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    String line;
    while (System.nanoTime() < deadline && (line = out.readLine()) != null) {
      synchronized (lines) {
        lines.add(line);
      }
      Matcher m = PORTS.matcher(line);
      if (m.find()) {
        Thread drain = new Thread(() -> {
          try {
            for (String l; (l = out.readLine()) != null; ) {
              synchronized (lines) {
                lines.add(l);
              }
            }
          } catch (IOException e) {
            // the process ended
          }
        }, "serve-output");
        drain.setDaemon(true);
        drain.start();
        return Integer.parseInt(m.group(2));
      }
    }
    throw new AssertionError("costtrace serve did not start:\n" + String.join("\n", lines));
  }

  /** {@code costtrace report --format json --top N args...}: its JSON lines, the summary last. */
  List<JsonNode> report(int top, String... args) throws Exception {
    List<String> cmd =
        new ArrayList<>(List.of("report", "--format", "json", "--top", Integer.toString(top)));
    cmd.addAll(List.of(args));
    Process p = command(cmd.toArray(new String[0])).start();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(text).isZero();
    List<JsonNode> rows = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.startsWith("{")) {
        rows.add(JSON.readTree(line));
      }
    }
    return rows;
  }

  /** The command line of one costtrace command. */
  ProcessBuilder command(String... args) throws IOException {
    Path jar = Path.of(System.getProperty("costtrace.receiver.jar"));
    assertThat(jar).as("built by the costtrace-cli module").exists();
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dcosttrace.clickhouse.embedded.dir=" + Files.createDirectories(dir.resolve("clickhouse")),
        "-Dcosttrace.clickhouse.database=" + database,
        "-Dcosttrace.sink.buffer.dir=" + dir.resolve("buffer"),
        "-jar", jar.toString()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectErrorStream(true);
  }
}
