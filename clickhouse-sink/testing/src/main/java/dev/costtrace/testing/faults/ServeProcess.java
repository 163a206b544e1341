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
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code costtrace serve} as users run it: the built executable jar in its own JVM, configured by
 * environment, its output in a log file. Killed with SIGKILL ({@link #kill}) or stopped as by
 * Ctrl-C ({@link #stop}), and started again with the same settings (same buffer, same database).
 */
public final class ServeProcess implements AutoCloseable {
  private static final Pattern PORTS =
      Pattern.compile("receiving OTLP/gRPC on :(\\d+) and OTLP/HTTP on :(\\d+)");
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private final Path jar;
  private final Map<String, String> environment;
  private final Path log;
  private final List<String> jvmArgs;
  private Process process;
  private int httpPort;
  private int grpcPort;

  /**
   * @param jar the built {@code costtrace.jar}
   * @param environment {@code COSTTRACE_*} and {@code CLICKHOUSE_*} settings
   * @param log where its output goes (appended across restarts)
   */
  public ServeProcess(Path jar, Map<String, String> environment, Path log, List<String> jvmArgs) {
    this.jar = jar;
    this.environment = Map.copyOf(environment);
    this.log = log;
    this.jvmArgs = List.copyOf(jvmArgs);
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
    env.put("COSTTRACE_HOST", "127.0.0.1");
    return env;
  }

  /** Starts it and waits until it receives OTLP. */
  public synchronized ServeProcess start() {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmArgs);
    command.addAll(
        List.of("-jar", jar.toString(), "serve", "--grpc-port", "0", "--http-port", "0"));
    ProcessBuilder pb =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
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
        .atMost(Duration.ofMinutes(2))
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

  /** The OTLP/HTTP traces endpoint. */
  public synchronized String tracesUrl() {
    return "http://127.0.0.1:" + httpPort + "/v1/traces";
  }

  public synchronized boolean alive() {
    return process != null && process.isAlive();
  }

  /** SIGKILL: no drain, no flush, nothing after it. */
  public synchronized void kill() {
    process.destroyForcibly();
    waitForExit();
  }

  /** SIGTERM, as Ctrl-C: drains, flushes, exits. */
  public synchronized void stop() {
    process.destroy();
    waitForExit();
  }

  private void waitForExit() {
    try {
      if (!process.waitFor(2, TimeUnit.MINUTES)) {
        throw new IllegalStateException("costtrace serve did not exit: " + tail());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** {@code /metrics}: Prometheus text. */
  public String metrics() {
    try {
      return HTTP.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort() + "/metrics"))
                  .build(),
              HttpResponse.BodyHandlers.ofString())
          .body();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** A sample's value in {@code /metrics}, or -1 when absent. */
  public double metric(String sample) {
    for (String line : metrics().split("\n")) {
      if (line.startsWith(sample + " ")) {
        return Double.parseDouble(line.substring(sample.length() + 1).trim());
      }
    }
    return -1;
  }

  /** The end of the log, for a failure's message. */
  public String tail() {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public synchronized void close() {
    if (process != null && process.isAlive()) {
      process.destroyForcibly();
      waitForExit();
    }
  }
}
