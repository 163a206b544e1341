package dev.costtrace.sink.engine;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Logger;

/**
 * The engine's Node.js process, kept running: when it dies (killed, out of memory, a crash in chDB)
 * it is started again on the same port, with the same secret, after a back-off that doubles while
 * it keeps dying and starts over once it has stayed up a while. Clients (the sink's) keep their URL
 * and credentials and simply see their requests work again. Each death and restart is logged at
 * WARNING; {@link #status()} feeds {@code /metrics}.
 */
final class SupervisedFront {
  private static final Logger LOG = Logger.getLogger(SupervisedFront.class.getName());

  /** A started engine process and the port it listens on. */
  record Launched(Process process, int port) {}

  /** How the engine is started; a failed start throws {@link EngineException}. */
  @FunctionalInterface
  interface Launcher {
    Launched launch(int port, long deadlineNanos) throws IOException;
  }

  private final Launcher launcher;
  private final Duration startTimeout;
  private final Duration initialBackoff;
  private final Duration maxBackoff;
  private final Duration stableAfter;
  private final ScheduledExecutorService scheduler;
  private final AtomicLong restarts = new AtomicLong();
  private volatile Process process;
  private volatile boolean up;
  private volatile boolean stopping;
  private volatile int port;
  private long startedAt;
  private Duration backoff;

  SupervisedFront(
      Launcher launcher,
      Duration startTimeout,
      Duration initialBackoff,
      Duration maxBackoff,
      Duration stableAfter) {
    this.launcher = launcher;
    this.startTimeout = startTimeout;
    this.initialBackoff = initialBackoff;
    this.maxBackoff = maxBackoff;
    this.stableAfter = stableAfter;
    this.backoff = initialBackoff;
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "costtrace-embedded-clickhouse-supervisor");
              t.setDaemon(true);
              return t;
            });
  }

  /**
   * Starts the engine (on {@code requestedPort}, 0 for any) and supervises it; returns its port.
   */
  int start(int requestedPort, long deadlineNanos) throws IOException {
    Launched l = launcher.launch(requestedPort, deadlineNanos);
    this.port = l.port();
    started(l.process());
    return port;
  }

  private synchronized void started(Process p) {
    process = p;
    up = true;
    startedAt = System.nanoTime();
    p.onExit().thenAccept(this::exited);
  }

  private synchronized void exited(Process p) {
    if (stopping || p != process) {
      return;
    }
    up = false;
    if (System.nanoTime() - startedAt >= stableAfter.toNanos()) {
      backoff = initialBackoff; // it had been running fine: a new failure, not a crash loop
    }
    LOG.warning(
        "embedded ClickHouse (pid "
            + p.pid()
            + ") exited with code "
            + p.exitValue()
            + "; restarting it on 127.0.0.1:"
            + port
            + " in "
            + backoff.toMillis()
            + " ms");
    schedule();
  }

  private void schedule() {
    scheduler.schedule(this::restart, backoff.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void restart() {
    synchronized (this) {
      if (stopping) {
        return;
      }
    }
    Process p;
    try {
      p = launcher.launch(port, System.nanoTime() + startTimeout.toNanos()).process();
    } catch (IOException | RuntimeException e) {
      synchronized (this) {
        backoff = min(backoff.multipliedBy(2), maxBackoff);
        LOG.warning(
            "embedded ClickHouse did not restart on 127.0.0.1:"
                + port
                + " ("
                + e.getMessage()
                + "); next attempt in "
                + backoff.toMillis()
                + " ms");
        if (!stopping) {
          schedule();
        }
      }
      return;
    }
    synchronized (this) {
      if (stopping) {
        EmbeddedClickHouse.stop(p);
        return;
      }
      long n = restarts.incrementAndGet();
      backoff = min(backoff.multipliedBy(2), maxBackoff);
      started(p);
      LOG.warning(
          "embedded ClickHouse restarted on 127.0.0.1:"
              + port
              + " (pid "
              + p.pid()
              + "), restart "
              + n);
    }
  }

  private static Duration min(Duration a, Duration b) {
    return a.compareTo(b) <= 0 ? a : b;
  }

  EngineStatus status() {
    Process p = process;
    boolean alive = p != null && p.isAlive();
    return new EngineStatus(up && alive, restarts.get(), alive ? p.pid() : -1, port);
  }

  /** Stops supervising and stops the engine. Idempotent. */
  void stop() {
    Process p;
    synchronized (this) {
      stopping = true;
      p = process;
    }
    scheduler.shutdownNow();
    if (p != null) {
      EmbeddedClickHouse.stop(p);
    }
    up = false;
  }

  /**
   * Reads the {@code LISTENING <port>} line the front prints once it serves; -1 if it never does.
   */
  static int awaitListening(Process process, long deadlineNanos) {
    BufferedReader out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    final int[] port = {-1};
    Thread reader =
        new Thread(
            () -> {
              try {
                String line;
                while ((line = out.readLine()) != null) {
                  if (line.startsWith("LISTENING ")) {
                    synchronized (port) {
                      port[0] = Integer.parseInt(line.substring("LISTENING ".length()).trim());
                      port.notifyAll();
                    }
                  }
                }
              } catch (IOException | NumberFormatException e) {
                // process ended
              }
            },
            "costtrace-embedded-clickhouse-stdout");
    reader.setDaemon(true);
    reader.start();
    synchronized (port) {
      while (port[0] < 0 && process.isAlive() && System.nanoTime() < deadlineNanos) {
        try {
          port.wait(100);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return -1;
        }
      }
      return port[0];
    }
  }

  /** Where the front's log goes, beside the data directory. */
  static Path log(Path dataDir) {
    return dataDir.resolveSibling(dataDir.getFileName() + "-front.log");
  }
}
