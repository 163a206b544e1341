package dev.costtrace.testing.faults;

import static org.awaitility.Awaitility.await;

import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.engine.EmbeddedClickHouse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The embedded engine on its own data directory and a fixed port, as a process the harness can kill
 * with SIGKILL ({@link #kill}). The engine is supervised by the process that started it (as in
 * {@code costtrace serve}): after a kill it comes back on the same port, data and secret by itself,
 * and {@link #start} then waits for that.
 */
public final class EngineProcess implements AutoCloseable {
  /** How long the supervisor may take to bring a killed engine back, on a loaded machine. */
  private static final Duration RESTART_TIMEOUT = Duration.ofMinutes(2);

  private static final Pattern PID = Pattern.compile("\"pid\":(\\d+)");

  private final Path dataDir;
  private final int port;
  private ClickHouseEndpoint endpoint;
  private long killedPid = -1;

  public EngineProcess(Path dataDir) {
    this.dataDir = dataDir;
    try (ServerSocket s = new ServerSocket(0)) {
      this.port = s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Starts the engine on its data directory and port; after a {@link #kill}, waits until its
   * supervisor has started it again and it answers. Returns its endpoint.
   */
  public synchronized ClickHouseEndpoint start() {
    if (endpoint == null) {
      endpoint = EmbeddedClickHouse.builder().dataDir(dataDir).port(port).build().start();
      return endpoint;
    }
    ClickHouseEndpoint e = endpoint;
    long killed = killedPid;
    await("the engine started again by its supervisor")
        .atMost(RESTART_TIMEOUT)
        .pollInterval(Duration.ofMillis(50))
        .until(() -> e.engineStatus().map(s -> s.up() && s.pid() != killed).orElse(false));
    return endpoint;
  }

  /**
   * The environment that points {@code costtrace serve} at this engine through {@code url} (the
   * engine's own, or a proxy in front of it): the URL, and the user and secret the engine takes.
   */
  public synchronized Map<String, String> clientEnvironment(String url) {
    return Map.of(
        "CLICKHOUSE_URL",
        url,
        "CLICKHOUSE_USER",
        endpoint.user(),
        "CLICKHOUSE_PASSWORD",
        endpoint.password());
  }

  public int port() {
    return port;
  }

  public synchronized ClickHouseEndpoint endpoint() {
    return endpoint;
  }

  /** SIGKILL to the engine's process: no flush, no clean-up, as a crash. */
  public void kill() {
    long pid = pid();
    synchronized (this) {
      killedPid = pid;
    }
    ProcessHandle p =
        ProcessHandle.of(pid)
            .orElseThrow(() -> new IllegalStateException("no engine process " + pid));
    p.destroyForcibly();
    try {
      p.onExit().get(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("the engine did not die", e);
    }
  }

  /** The engine's process ID, from its state file. */
  public long pid() {
    try {
      Matcher m = PID.matcher(Files.readString(dataDir.resolve(".costtrace-front.json")));
      if (!m.find()) {
        throw new IllegalStateException("no pid in the engine's state file");
      }
      return Long.parseLong(m.group(1));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public synchronized void close() {
    if (endpoint != null) {
      endpoint.close();
    }
  }
}
