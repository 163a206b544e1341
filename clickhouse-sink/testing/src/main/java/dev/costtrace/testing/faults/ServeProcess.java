package dev.costtrace.testing.faults;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
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
 * {@code costtrace serve} as users run it: in its own JVM, configured by environment, its output in
 * a log file (appended across restarts). Killed with SIGKILL ({@link #kill}) or stopped as by
 * Ctrl-C or an orchestrator ({@link #stop}), and started again with the same settings (same buffer,
 * same database; on the same ports when {@link #restartOnSamePorts} says so). The fault tests and
 * the fault and reliability benchmarks all run the receiver through this one class.
 */
public final class ServeProcess implements AutoCloseable {
  private static final Pattern PORTS =
      Pattern.compile("receiving OTLP/gRPC on :(\\d+) and OTLP/HTTP on :(\\d+)");
  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][\\w:]*(?:\\{[^}]*})?) (\\S+)$");
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  /** What runs after {@code java <jvmArgs>}: {@code -jar <jar>} or {@code -cp <path> <main>}. */
  private final List<String> launch;

  private final Map<String, String> environment;
  private final Path log;
  private final List<String> jvmArgs;
  private boolean samePorts;
  private int tmpfsMiB;
  private Process process;
  private int httpPort;
  private int grpcPort;

  /**
   * @param jar the built {@code costtrace.jar}
   * @param environment {@code COSTTRACE_*} and {@code CLICKHOUSE_*} settings
   * @param log where its output goes (appended across restarts)
   * @param jvmArgs e.g. a heap limit
   */
  public ServeProcess(Path jar, Map<String, String> environment, Path log, List<String> jvmArgs) {
    this(List.of("-jar", jar.toString()), environment, log, jvmArgs);
  }

  private ServeProcess(
      List<String> launch, Map<String, String> environment, Path log, List<String> jvmArgs) {
    this.launch = List.copyOf(launch);
    this.environment = Map.copyOf(environment);
    this.log = log;
    this.jvmArgs = List.copyOf(jvmArgs);
  }

  /**
   * The application's main class on this JVM's own class path (a benchmark jar that bundles the
   * CLI), rather than the built executable jar.
   */
  public static ServeProcess onClassPath(
      String mainClass, Map<String, String> environment, Path log, List<String> jvmArgs) {
    return new ServeProcess(
        List.of("-cp", System.getProperty("java.class.path"), mainClass),
        environment,
        log,
        jvmArgs);
  }

  /**
   * The settings of a receiver on its own database and buffer, writing to {@code engine} through
   * {@code clickhouseUrl} (the engine's own, or a proxy's), with short batch delays and back-offs
   * so that faults resolve in seconds. A mutable map: callers add their own.
   */
  public static Map<String, String> environment(
      EngineProcess engine, String clickhouseUrl, String database, Path buffer) {
    Map<String, String> env = new HashMap<>(engine.clientEnvironment(clickhouseUrl));
    env.put("COSTTRACE_CLICKHOUSE_DATABASE", database);
    env.put("COSTTRACE_SINK_BUFFER_DIR", buffer.toString());
    env.put("COSTTRACE_SINK_BATCH_DELAY", "100ms");
    env.put("COSTTRACE_SINK_MAX_BACKOFF", "300ms");
    return env;
  }

  /**
   * Every start after the first listens on the first one's ports, as an orchestrator restarts a
   * crashed pod, so that exporters' retries reach the new process.
   */
  public synchronized ServeProcess restartOnSamePorts() {
    samePorts = true;
    return this;
  }

  /**
   * Its buffer directory ({@code COSTTRACE_SINK_BUFFER_DIR}) on a tmpfs of this size, in a private
   * mount namespace ({@code unshare}: no root needed on Linux with user namespaces), for a disk
   * that really fills up. 0: the directory as it is.
   */
  public synchronized ServeProcess bufferOnTmpfs(int mebibytes) {
    tmpfsMiB = mebibytes;
    return this;
  }

  /** Starts it (again, after {@link #kill} or {@link #stop}) and waits until it receives OTLP. */
  public synchronized ServeProcess start() {
    List<String> command = new ArrayList<>();
    if (tmpfsMiB > 0) {
      Path buffer = Path.of(environment.get("COSTTRACE_SINK_BUFFER_DIR"));
      try {
        Files.createDirectories(buffer);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
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
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmArgs);
    command.addAll(launch);
    boolean again = samePorts && process != null;
    command.addAll(
        List.of(
            "serve",
            "--grpc-port",
            Integer.toString(again ? grpcPort : 0),
            "--http-port",
            Integer.toString(again ? httpPort : 0)));
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().put("COSTTRACE_HOST", "127.0.0.1");
    pb.environment().putAll(environment);
    long logStart;
    try {
      logStart = Files.exists(log) ? Files.size(log) : 0;
      process = pb.start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Process started = process;
    await("costtrace serve to listen")
        .atMost(Duration.ofMinutes(3))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              if (!started.isAlive()) {
                throw new IllegalStateException(
                    "costtrace serve exited " + started.exitValue() + ": " + tail());
              }
              return ports(logStart);
            });
    return this;
  }

  private boolean ports(long from) throws IOException {
    String text = Files.readString(log);
    Matcher m = PORTS.matcher(text.substring((int) Math.min(from, text.length())));
    if (!m.find()) {
      return false;
    }
    grpcPort = Integer.parseInt(m.group(1));
    httpPort = Integer.parseInt(m.group(2));
    return true;
  }

  public synchronized int httpPort() {
    return httpPort;
  }

  public synchronized int grpcPort() {
    return grpcPort;
  }

  /** The HTTP port's base URL. */
  public synchronized String httpUrl() {
    return "http://127.0.0.1:" + httpPort;
  }

  /** The OTLP/HTTP traces endpoint. */
  public String tracesUrl() {
    return httpUrl() + "/v1/traces";
  }

  public synchronized boolean alive() {
    return process != null && process.isAlive();
  }

  public synchronized long pid() {
    return process.pid();
  }

  /** SIGKILL: no shutdown hook, no drain, no flush. Waits for it to be gone. */
  public synchronized void kill() {
    process.destroyForcibly();
    waitForExit(Duration.ofMinutes(2));
  }

  /** SIGTERM, as Ctrl-C: drains, flushes, exits. Fails if it has not exited within 2 minutes. */
  public synchronized void stop() {
    process.destroy();
    waitForExit(Duration.ofMinutes(2));
  }

  /**
   * SIGTERM, as an orchestrator stops it; killed when it has not exited within {@code timeout}.
   *
   * @return its exit status (143 after a SIGTERM that ran the shutdown hook), -1 when killed
   */
  public synchronized int stop(Duration timeout) {
    process.destroy();
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        return -1;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
      return -1;
    }
    return process.exitValue();
  }

  private void waitForExit(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("costtrace serve did not exit: " + tail());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** {@code /metrics}: sample name (with its labels, if any) to value. */
  public Map<String, Double> metrics() {
    String text;
    try {
      text =
          HTTP.send(
                  HttpRequest.newBuilder(URI.create(httpUrl() + "/metrics"))
                      .timeout(Duration.ofSeconds(10))
                      .build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    Map<String, Double> out = new LinkedHashMap<>();
    for (String line : text.split("\n")) {
      Matcher m = SAMPLE.matcher(line.trim());
      if (!line.startsWith("#") && m.matches()) {
        out.put(m.group(1), Double.parseDouble(m.group(2)));
      }
    }
    return out;
  }

  /** A sample's value in {@code /metrics}, or -1 when absent. */
  public double metric(String sample) {
    return metrics().getOrDefault(sample, -1.0);
  }

  /** Peak resident memory of the current JVM so far (VmHWM), MiB; -1 when it is gone. */
  public double peakRssMiB() {
    return peakRssMiB(pid());
  }

  /** A process's peak resident memory (VmHWM), MiB; -1 when it is gone. */
  public static double peakRssMiB(long pid) {
    return statusKiB(pid, "VmHWM") / 1024.0;
  }

  /** A process's resident memory now (VmRSS), MiB; -1 when it is gone. */
  public static double rssMiB(long pid) {
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
  public Path insideMounts(Path path) {
    return Path.of("/proc", Long.toString(pid()), "root").resolve(path.toString().substring(1));
  }

  /** The end of the log, for a failure's message. */
  public String tail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 60), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  /** Kills it if it still runs. */
  @Override
  public synchronized void close() {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
      waitForExit(Duration.ofMinutes(2));
    }
  }
}
