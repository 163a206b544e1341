package dev.costtrace.testing.faults;

import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.engine.EmbeddedClickHouse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The embedded engine on its own data directory and a fixed port, as a process the harness can
 * kill with SIGKILL ({@link #kill}) and start again on the same data ({@link #start}).
 */
public final class EngineProcess implements AutoCloseable {
  private static final Pattern PID = Pattern.compile("\"pid\":(\\d+)");

  private final Path dataDir;
  private final int port;
  private ClickHouseEndpoint endpoint;

  public EngineProcess(Path dataDir) {
    this.dataDir = dataDir;
    try (ServerSocket s = new ServerSocket(0)) {
      this.port = s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Starts the engine (again) on the same data directory and port; returns its endpoint. */
  public synchronized ClickHouseEndpoint start() {
    endpoint = EmbeddedClickHouse.builder().dataDir(dataDir).port(port).build().start();
    return endpoint;
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
    ProcessHandle p = ProcessHandle.of(pid).orElseThrow(() -> new IllegalStateException("no engine process " + pid));
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
