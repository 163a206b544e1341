package dev.costtrace.sink;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Background work of {@code costtrace serve} (the rollup check, the infrastructure allocator) on a
 * daemon thread of its own, run again a fixed delay after each run ends: a run that throws is
 * counted and logged, and the next one still comes.
 */
public final class PeriodicTask implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(PeriodicTask.class.getName());

  private final String name;
  private final Runnable run;
  private final ScheduledExecutorService scheduler;
  private final AtomicLong failures = new AtomicLong();

  /**
   * @param name what the work is, for its log lines and its thread ({@code costtrace-<name>})
   */
  public PeriodicTask(String name, Runnable run) {
    this.name = Objects.requireNonNull(name, "name");
    this.run = Objects.requireNonNull(run, "run");
    this.scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "costtrace-" + name.replace(' ', '-'));
              t.setDaemon(true);
              return t;
            });
  }

  /** Runs first after {@code first}, then {@code interval} after each run ends. */
  public void start(Duration first, Duration interval) {
    scheduler.scheduleWithFixedDelay(
        this::runQuietly, first.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Runs that threw. */
  public long failures() {
    return failures.get();
  }

  private void runQuietly() {
    try {
      run.run();
    } catch (RuntimeException e) {
      failures.incrementAndGet();
      LOG.log(Level.WARNING, name + " failed: " + e.getMessage());
    }
  }

  /** Stops the schedule, waiting up to {@code wait} for a run in progress to end. */
  public void close(Duration wait) {
    scheduler.shutdownNow();
    try {
      scheduler.awaitTermination(wait.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    close(Duration.ZERO);
  }
}
