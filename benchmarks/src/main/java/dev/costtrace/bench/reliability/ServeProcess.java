package dev.costtrace.bench.reliability;

import dev.costtrace.cli.CostTrace;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code costtrace serve} in its own JVM, as an operator runs it: a heap limit, settings from the
 * environment, and its output kept for when something fails. Optionally inside a private mount
 * namespace with its buffer directory on a tmpfs of a given size ({@code unshare}: no root needed
 * on Linux with user namespaces), for a disk that really fills up.
 */
final class ServeProcess implements AutoCloseable {
  private static final Pattern PORTS =
      Pattern.compile("receiving OTLP/gRPC on :(\\d+) and OTLP/HTTP on :(\\d+)");
  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][\\w:]*(?:\\{[^}]*})?) (\\S+)$");

  private final Process process;
  private final List<String> output = new ArrayList<>();
  private final int grpcPort;
  private final int httpPort;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /**
   * @param heap the {@code -Xmx} value, e.g. {@code 512m}
   * @param env settings ({@code COSTTRACE_*}, {@code CLICKHOUSE_*})
   * @param tmpfsMiB when positive, {@code COSTTRACE_SINK_BUFFER_DIR} is a tmpfs of this size
   */
  ServeProcess(String heap, Map<String, String> env, int tmpfsMiB) throws IOException {
    this(heap, env, tmpfsMiB, 0, 0);
  }

  /** As above, on the given ports (0: ephemeral), e.g. those of the process it restarts. */
  ServeProcess(String heap, Map<String, String> env, int tmpfsMiB, int grpcPort, int httpPort)
      throws IOException {
    List<String> java =
        List.of(
            Path.of(System.getProperty("java.home"), "bin", "java").toString(),
            "-Xmx" + heap,
            "-XX:+ExitOnOutOfMemoryError",
            "-cp",
            System.getProperty("java.class.path"),
            CostTrace.class.getName(),
            "serve",
            "--grpc-port",
            Integer.toString(grpcPort),
            "--http-port",
            Integer.toString(httpPort));
    List<String> command = new ArrayList<>();
    if (tmpfsMiB > 0) {
      Path buffer = Path.of(env.get("COSTTRACE_SINK_BUFFER_DIR"));
      Files.createDirectories(buffer);
      // unshare execs sh, which execs java: the process is the JVM itself.
      command.addAll(
          List.of(
              "unshare",
              "--user",
              "--map-root-user",
              "--mount",
              "sh",
              "-c",
              "mount -t tmpfs -o size=" + tmpfsMiB + "m costtrace-buffer \"$0\" && exec \"$@\"",
              buffer.toString()));
    }
    command.addAll(java);
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
    pb.environment().put("COSTTRACE_HOST", "127.0.0.1");
    pb.environment().putAll(env);
    this.process = pb.start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    int grpc = -1;
    int httpP = -1;
    String line;
    while (grpc < 0 && System.nanoTime() < deadline && (line = out.readLine()) != null) {
      synchronized (output) {
        output.add(line);
      }
      Matcher m = PORTS.matcher(line);
      if (m.find()) {
        grpc = Integer.parseInt(m.group(1));
        httpP = Integer.parseInt(m.group(2));
      }
    }
    if (grpc < 0) {
      process.destroyForcibly();
      throw new IllegalStateException("costtrace serve did not start:\n" + output());
    }
    this.grpcPort = grpc;
    this.httpPort = httpP;
    Thread drain =
        new Thread(
            () -> {
              try {
                for (String l; (l = out.readLine()) != null; ) {
                  synchronized (output) {
                    output.add(l);
                  }
                }
              } catch (IOException e) {
                // the process ended
              }
            },
            "serve-output");
    drain.setDaemon(true);
    drain.start();
  }

  int grpcPort() {
    return grpcPort;
  }

  int httpPort() {
    return httpPort;
  }

  String httpUrl() {
    return "http://127.0.0.1:" + httpPort;
  }

  long pid() {
    return process.pid();
  }

  boolean alive() {
    return process.isAlive();
  }

  /** What it printed (and logged), for failure messages. */
  String output() {
    synchronized (output) {
      return String.join("\n", output.subList(Math.max(0, output.size() - 60), output.size()));
    }
  }

  /** Its {@code /metrics}, sample name (with labels) to value. */
  Map<String, Double> metrics() throws IOException, InterruptedException {
    String text =
        http.send(
                HttpRequest.newBuilder(URI.create(httpUrl() + "/metrics"))
                    .timeout(Duration.ofSeconds(10))
                    .build(),
                HttpResponse.BodyHandlers.ofString())
            .body();
    Map<String, Double> out = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      Matcher m = SAMPLE.matcher(line.trim());
      if (!line.startsWith("#") && m.matches()) {
        out.put(m.group(1), Double.parseDouble(m.group(2)));
      }
    }
    return out;
  }

  /** Peak resident memory of the JVM so far (VmHWM), MiB. */
  double peakRssMiB() {
    return peakRssMiB(process.pid());
  }

  /** A process's peak resident memory (VmHWM), MiB; -1 when it is gone. */
  static double peakRssMiB(long pid) {
    return statusKiB(pid, "VmHWM") / 1024.0;
  }

  /** A process's resident memory now (VmRSS), MiB; -1 when it is gone. */
  static double rssMiB(long pid) {
    return statusKiB(pid, "VmRSS") / 1024.0;
  }

  private static double statusKiB(long pid, String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
        if (line.startsWith(field + ":")) {
          return Double.parseDouble(line.substring(field.length() + 1).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException e) {
      // gone
    }
    return -1024;
  }

  /** A path inside its mount namespace (its tmpfs), seen from here. */
  Path insideMounts(Path path) {
    return Path.of("/proc", Long.toString(process.pid()), "root")
        .resolve(path.toString().substring(1));
  }

  /** SIGKILL: no shutdown hook, no drain, no flush. Waits for it to be gone. */
  void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGTERM, as an orchestrator stops it: it drains and flushes. Waits for it to exit. */
  int stop(Duration timeout) throws InterruptedException {
    process.destroy();
    if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      return -1;
    }
    return process.exitValue();
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      try {
        stop(Duration.ofSeconds(60));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        process.destroyForcibly();
      }
    }
  }

  /** The environment of a receiver writing to {@code clickhouse} ({@code url}, user, password). */
  static Map<String, String> env(
      String url, String user, String password, String database, Path buffer) {
    Map<String, String> env = new HashMap<>();
    env.put("CLICKHOUSE_URL", url);
    env.put("CLICKHOUSE_USER", user);
    env.put("CLICKHOUSE_PASSWORD", password);
    env.put("COSTTRACE_CLICKHOUSE_DATABASE", database);
    env.put("COSTTRACE_SINK_BUFFER_DIR", buffer.toString());
    return env;
  }
}
