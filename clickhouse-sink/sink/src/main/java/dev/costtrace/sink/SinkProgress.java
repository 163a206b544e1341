package dev.costtrace.sink;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * The sink's counters, and a monitor that the writer signals whenever it finishes or fails a batch,
 * so that callers ({@code flush}, tests) wait for a condition instead of polling.
 */
final class SinkProgress {
  final AtomicLong accepted = new AtomicLong();
  final AtomicLong written = new AtomicLong();
  final AtomicLong duplicates = new AtomicLong();
  final AtomicLong deadLettered = new AtomicLong();
  final AtomicLong failures = new AtomicLong();
  final AtomicLong full = new AtomicLong();
  final AtomicLong tracesRecomputed = new AtomicLong();
  final AtomicLong batches = new AtomicLong();
  final AtomicLong rollups = new AtomicLong();
  final AtomicLong insertNanos = new AtomicLong();
  final AtomicLong recomputeNanos = new AtomicLong();
  volatile long lastBatchMillis;

  /** From acknowledgement to rollups written, per accepted call. */
  final VisibilityLag visibility = new VisibilityLag();

  private final Object monitor = new Object();

  /** Something a waiter may be waiting for has happened. */
  void changed() {
    synchronized (monitor) {
      monitor.notifyAll();
    }
  }

  /**
   * Waits until the condition holds, re-checked on every change, or the timeout passes, or the
   * writer stops ({@code alive} false).
   *
   * @return whether the condition holds
   */
  boolean await(BooleanSupplier condition, Duration timeout, BooleanSupplier alive) {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (monitor) {
      while (!condition.getAsBoolean()) {
        long left = deadline - System.nanoTime();
        if (left <= 0 || !alive.getAsBoolean()) {
          return condition.getAsBoolean();
        }
        try {
          // Bounded: a condition on something the writer does not signal is re-checked anyway.
          monitor.wait(Math.max(1, Math.min(left / 1_000_000, 100)));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return condition.getAsBoolean();
        }
      }
      return true;
    }
  }
}
