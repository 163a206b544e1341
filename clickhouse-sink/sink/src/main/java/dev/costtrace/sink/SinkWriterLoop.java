package dev.costtrace.sink;

import dev.costtrace.sink.buffer.WriteAheadBuffer;
import java.io.IOException;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The sink's writer thread: takes batches from the buffer by size and age, has
 * {@link ClickHouseWriter} write them (rows, then rollups), and commits the buffer through a batch
 * only after that, in log order. Behind a backlog it prepares batch n+1 while ClickHouse takes
 * batch n; when n fails, n+1 is abandoned with it and both are retried from the checkpoint. A
 * failed batch is retried with backoff, for ever: acknowledged rows are never dropped.
 */
final class SinkWriterLoop implements Runnable {
  private static final Logger LOG = Logger.getLogger(SinkWriterLoop.class.getName());
  private static final long INITIAL_BACKOFF_MILLIS = 100;

  private final WriteAheadBuffer buffer;
  private final AcceptedCalls memory;
  private final BatchSource source;
  private final ClickHouseWriter writer;
  private final SinkProgress progress;
  private final SinkClock clock;
  private final int batchSize;
  private final long maxDelayNanos;
  private final long maxBackoffMillis;
  private final Object signal = new Object();
  private volatile boolean running = true;
  /** Rows (at least 1 per call) accepted and not yet committed, for "a full batch is waiting". */
  private final AtomicLong pendingRows = new AtomicLong();
  /** When the oldest row still waiting was accepted. */
  private volatile long pendingSince;
  private final AtomicLong batchesFromMemory = new AtomicLong();
  private final AtomicLong batchesFromBuffer = new AtomicLong();
  private final AtomicLong batchesOverlapped = new AtomicLong();

  /** A batch sent to ClickHouse and not yet committed. Writer thread only. */
  private record InFlight(BatchSource.Batch batch, ClickHouseWriter.Prepared prepared, Future<Integer> sent,
      long started) {}

  private InFlight inFlight;

  SinkWriterLoop(WriteAheadBuffer buffer, AcceptedCalls memory, ClickHouseWriter writer, SinkProgress progress,
      SinkClock clock, int batchSize, long maxDelayNanos, long maxBackoffMillis) {
    this.buffer = buffer;
    this.memory = memory;
    this.source = new BatchSource(buffer, memory, batchSize);
    this.writer = writer;
    this.progress = progress;
    this.clock = clock;
    this.batchSize = batchSize;
    this.maxDelayNanos = maxDelayNanos;
    this.maxBackoffMillis = maxBackoffMillis;
    // Whatever a previous process left in the buffer is due now.
    this.pendingSince = buffer.hasPending() ? clock.nanoTime() - maxDelayNanos : 0;
  }

  /** A call of {@code units} rows was accepted. */
  void accepted(int units) {
    if (pendingRows.getAndAdd(units) == 0) {
      pendingSince = clock.nanoTime();
    }
    if (pendingRows.get() >= batchSize) {
      wake();
    }
  }

  /** Makes what is waiting due now (a flush). */
  void hurry() {
    pendingSince = clock.nanoTime() - maxDelayNanos;
    wake();
  }

  void stop() {
    running = false;
    wake();
  }

  /** Batches taken from memory, read back from the buffer, and prepared behind one in flight. */
  long[] batchSources() {
    return new long[] {batchesFromMemory.get(), batchesFromBuffer.get(), batchesOverlapped.get()};
  }

  @Override
  public void run() {
    long backoff = INITIAL_BACKOFF_MILLIS;
    while (running) {
      try {
        if (!due()) {
          if (inFlight != null) {
            complete(); // nothing more to prepare meanwhile
            continue;
          }
          await(20);
          continue;
        }
        if (writeOneBatch()) {
          backoff = INITIAL_BACKOFF_MILLIS;
        } else {
          await(5); // the buffer's end is not readable yet (a record awaiting its fsync)
        }
      } catch (ClickHouseWriter.RetryableException e) {
        failed("ClickHouse write failed, retrying in " + backoff + " ms: " + e.getMessage(), null);
        backoff = backOff(backoff);
      } catch (InterruptedException e) {
        break;
      } catch (Throwable t) {
        failed("sink writer error, retrying in " + backoff + " ms", t);
        backoff = backOff(backoff);
      }
    }
  }

  private void failed(String message, Throwable t) {
    progress.failures.incrementAndGet();
    progress.changed();
    LOG.log(t == null ? Level.WARNING : Level.SEVERE, message, t);
  }

  private long backOff(long backoff) {
    try {
      await(backoff);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      running = false;
    }
    return Math.min(backoff * 2, maxBackoffMillis);
  }

  private void await(long millis) throws InterruptedException {
    synchronized (signal) {
      if (running) {
        signal.wait(millis);
      }
    }
  }

  private void wake() {
    synchronized (signal) {
      signal.notifyAll();
    }
  }

  /** Where the next batch starts: after the one in flight, else at the checkpoint. */
  private WriteAheadBuffer.Position next() {
    return inFlight != null ? inFlight.batch().end() : buffer.committed();
  }

  /**
   * Whether the next batch is due: a full one; or, with none in flight, one whose oldest row waited
   * long enough. (Behind a batch in flight only a full one is taken, so that batches keep their
   * size; what is short of one goes after the batch in flight completes, as it waited meanwhile.)
   */
  private boolean due() {
    if (next().compareTo(buffer.writePosition()) >= 0) {
      return false;
    }
    if (inFlight != null) {
      return pendingRows.get() - inFlight.batch().units() >= batchSize;
    }
    return pendingRows.get() >= batchSize || clock.nanoTime() - pendingSince >= maxDelayNanos;
  }

  /**
   * Takes the next batch, prepares it while the batch before is in flight, then completes that one
   * and sends this one.
   *
   * @return false when there was nothing to take
   */
  private boolean writeOneBatch() throws IOException, ClickHouseWriter.RetryableException {
    BatchSource.Batch batch = source.next(next());
    if (batch == null) {
      if (inFlight != null) {
        complete();
        return true;
      }
      return false;
    }
    (batch.fromMemory() ? batchesFromMemory : batchesFromBuffer).incrementAndGet();
    boolean overlapped = inFlight != null;
    ClickHouseWriter.Prepared prepared;
    try {
      prepared = writer.prepare(batch.spans(), batch.attributions());
    } catch (ClickHouseWriter.RetryableException | RuntimeException e) {
      writer.forget(batch.spans());
      if (inFlight != null) {
        complete(); // what is in flight may still succeed; this batch is retried after it
      }
      throw e;
    }
    if (overlapped) {
      try {
        complete();
      } catch (ClickHouseWriter.RetryableException | IOException | RuntimeException e) {
        writer.forget(batch.spans()); // never sent: retried with the one that failed, from the checkpoint
        throw e;
      }
      batchesOverlapped.incrementAndGet();
    }
    inFlight = new InFlight(batch, prepared, writer.send(prepared), clock.nanoTime());
    return true;
  }

  /** Waits for the batch in flight and commits the buffer through it. */
  private void complete() throws IOException, ClickHouseWriter.RetryableException {
    InFlight f = inFlight;
    inFlight = null;
    ClickHouseWriter.Written result;
    try {
      result = writer.finish(f.prepared(), f.sent());
    } catch (ClickHouseWriter.RetryableException | RuntimeException e) {
      // Not written after all, or not all of it: the retry writes it again (a row written twice
      // collapses by its key) and recomputes its traces again.
      writer.forget(f.batch().spans());
      throw e;
    }
    WriteAheadBuffer.Position end = f.batch().end();
    buffer.commit(end);
    memory.releaseThrough(end);
    progress.lastBatchMillis = (clock.nanoTime() - f.started()) / 1_000_000;
    progress.written.addAndGet(result.stored());
    progress.duplicates.addAndGet(result.duplicates());
    progress.tracesRecomputed.addAndGet(result.traces());
    long now = System.currentTimeMillis();
    for (long acceptedAt : f.batch().acceptedAt()) {
      if (acceptedAt > 0) {
        progress.visibility.record(now - acceptedAt);
      }
    }
    long left = pendingRows.addAndGet(-f.batch().units());
    if (left <= 0) {
      pendingRows.set(buffer.hasPending() ? 1 : 0);
    }
    // What is left has waited already: the next batch is due as soon as it is there.
    pendingSince = buffer.hasPending() ? clock.nanoTime() - maxDelayNanos : 0;
    progress.changed();
  }
}
