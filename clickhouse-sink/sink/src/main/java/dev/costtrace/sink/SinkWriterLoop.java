package dev.costtrace.sink;

import dev.costtrace.sink.buffer.WriteAheadBuffer;
import dev.costtrace.sink.rollup.TouchedTraces;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The sink's writer thread: takes batches from the buffer by size and age, has {@link
 * ClickHouseWriter} write them (rows, then rollups), and commits the buffer through a batch only
 * after its rollups are written, in log order. Behind a backlog it prepares batch n+1 while
 * ClickHouse takes batch n, and lets up to {@value #MAX_BATCHES_PER_ROLLUP} batches share one
 * recomputation of their traces (they share its statements, each with a cost of its own on the
 * server, and a trace several of them touch is recomputed once); caught up, every batch is rolled
 * up at once. When a batch fails, it and every batch not yet committed are abandoned and retried
 * from the checkpoint. A failed batch is retried with backoff: for ever while the failure is the
 * server's (unreachable, timing out, overloaded); a batch ClickHouse refuses with an error that may
 * be its own (TOO_MANY_PARTS from rows over too many days, say) is tried whole {@code
 * maxBatchAttempts} times, then split until the rows at fault stand alone, which go to the dead
 * letters, synced before the buffer is committed past them: one poison batch never stalls every
 * tenant.
 */
final class SinkWriterLoop implements Runnable {
  private static final Logger LOG = Logger.getLogger(SinkWriterLoop.class.getName());
  private static final long INITIAL_BACKOFF_MILLIS = 100;

  /** Batches inserted behind a backlog before their traces are recomputed together. */
  static final int MAX_BATCHES_PER_ROLLUP = 4;

  private final WriteAheadBuffer buffer;
  private final AcceptedCalls memory;
  private final BatchSource source;
  private final ClickHouseWriter writer;
  private final SinkProgress progress;
  private final SinkClock clock;
  private final int batchSize;
  private final long maxDelayNanos;
  private final long maxBackoffMillis;
  private final int maxBatchAttempts;

  /**
   * The span of the buffer ClickHouse last refused as possibly the batch's own, and how many times
   * in a row a batch overlapping it was refused (batches taken again from the checkpoint need not
   * start or end where they did). Writer thread only.
   */
  private WriteAheadBuffer.Position refusedStart;

  private WriteAheadBuffer.Position refusedEnd;
  private int refusals;
  private final Object signal = new Object();
  private volatile boolean running = true;

  /** Rows (at least 1 per call) accepted and not yet committed, for "a full batch is waiting". */
  private final AtomicLong pendingRows = new AtomicLong();

  /** When the oldest row still waiting was accepted. */
  private volatile long pendingSince;

  private final AtomicLong batchesFromMemory = new AtomicLong();
  private final AtomicLong batchesFromBuffer = new AtomicLong();
  private final AtomicLong batchesOverlapped = new AtomicLong();

  /**
   * A batch sent to ClickHouse and not yet committed; {@code rollUp}: the traces recomputed with it
   * (its own and those of the batches inserted before it and not yet committed), or null. Writer
   * thread only.
   */
  private record InFlight(
      WriteAheadBuffer.Position start,
      BatchSource.Batch batch,
      ClickHouseWriter.Prepared prepared,
      TouchedTraces rollUp,
      Future<ClickHouseWriter.Sent> sent,
      long started) {}

  private InFlight inFlight;

  /**
   * Batches inserted whose rollups are left to a later batch: not committed yet. Writer thread
   * only.
   */
  private final List<InFlight> inserted = new ArrayList<>();

  SinkWriterLoop(
      WriteAheadBuffer buffer,
      AcceptedCalls memory,
      ClickHouseWriter writer,
      SinkProgress progress,
      SinkClock clock,
      int batchSize,
      long maxDelayNanos,
      long maxBackoffMillis,
      int maxBatchAttempts) {
    this.buffer = buffer;
    this.memory = memory;
    this.source = new BatchSource(buffer, memory, batchSize);
    this.writer = writer;
    this.progress = progress;
    this.clock = clock;
    this.batchSize = batchSize;
    this.maxDelayNanos = maxDelayNanos;
    this.maxBackoffMillis = maxBackoffMillis;
    this.maxBatchAttempts = maxBatchAttempts;
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
          if (!inserted.isEmpty()) {
            rollUpInserted(); // caught up: what is inserted gets its rollups now
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

  /**
   * Where the next batch starts: after the one in flight, else after those inserted, else at the
   * checkpoint.
   */
  private WriteAheadBuffer.Position next() {
    if (inFlight != null) {
      return inFlight.batch().end();
    }
    return inserted.isEmpty()
        ? buffer.committed()
        : inserted.get(inserted.size() - 1).batch().end();
  }

  /**
   * Rows of the batches sent and not committed (in flight, and inserted awaiting their rollups).
   */
  private long uncommittedUnits() {
    long units = inFlight == null ? 0 : inFlight.batch().units();
    for (InFlight f : inserted) {
      units += f.batch().units();
    }
    return units;
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
    long waiting = pendingRows.get() - uncommittedUnits();
    if (inFlight != null || !inserted.isEmpty()) {
      return waiting >= batchSize;
    }
    return waiting >= batchSize || clock.nanoTime() - pendingSince >= maxDelayNanos;
  }

  /**
   * Takes the next batch, prepares it while the batch before is in flight, then completes that one
   * and sends this one.
   *
   * @return false when there was nothing to take
   */
  private boolean writeOneBatch() throws IOException, ClickHouseWriter.RetryableException {
    WriteAheadBuffer.Position start = next();
    BatchSource.Batch batch = source.next(start);
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
      boolean isolate = refusals >= maxBatchAttempts && overlapsRefused(start, batch.end());
      if (isolate) {
        LOG.warning(
            "the batch at "
                + start
                + " was refused "
                + refusals
                + " times; splitting it to dead-letter only the rows at fault");
      }
      prepared = writer.prepare(batch.spans(), batch.attributions(), isolate);
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
        writer.forget(
            batch.spans()); // never sent: retried with the one that failed, from the checkpoint
        throw e;
      }
      batchesOverlapped.incrementAndGet();
    }
    // Behind a backlog (a full batch waits after this one), the rollups wait for a few batches.
    boolean backlog = pendingRows.get() - uncommittedUnits() - batch.units() >= batchSize;
    TouchedTraces rollUp = null;
    if (!backlog || inserted.size() + 1 >= MAX_BATCHES_PER_ROLLUP) {
      rollUp = prepared.touched;
      for (InFlight f : inserted) {
        rollUp = rollUp.with(f.prepared().touched);
      }
    }
    inFlight =
        new InFlight(
            start, batch, prepared, rollUp, writer.send(prepared, rollUp), clock.nanoTime());
    return true;
  }

  private boolean overlapsRefused(WriteAheadBuffer.Position start, WriteAheadBuffer.Position end) {
    return refusedStart != null
        && start.compareTo(refusedEnd) < 0
        && end.compareTo(refusedStart) > 0;
  }

  /** The batches inserted and not rolled up, rolled up now; then committed. */
  private void rollUpInserted() throws IOException, ClickHouseWriter.RetryableException {
    TouchedTraces rollUp = inserted.get(0).prepared().touched;
    for (InFlight f : inserted.subList(1, inserted.size())) {
      rollUp = rollUp.with(f.prepared().touched);
    }
    ClickHouseWriter.Sent done;
    try {
      done = writer.recompute(rollUp).get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ClickHouseWriter.RetryableException("interrupted", e);
    } catch (java.util.concurrent.ExecutionException e) {
      abandonInserted();
      throw e.getCause() instanceof ClickHouseWriter.RetryableException r
          ? r
          : new ClickHouseWriter.RetryableException("rollup failed: " + e.getCause(), e.getCause());
    }
    progress.tracesRecomputed.addAndGet(done.traces());
    progress.recomputeNanos.addAndGet(done.recomputeNanos());
    progress.rollups.incrementAndGet();
    commitInserted();
  }

  /** The batches inserted and not committed are to be written again, from the checkpoint. */
  private void abandonInserted() {
    for (InFlight f : inserted) {
      writer.forget(f.batch().spans());
    }
    inserted.clear();
    writer.discardDeadLetters(); // the retry rejects them again
  }

  /**
   * Waits for the batch in flight; commits the buffer through it when it was sent with the rollups,
   * else keeps it among those inserted.
   */
  private void complete() throws IOException, ClickHouseWriter.RetryableException {
    InFlight f = inFlight;
    inFlight = null;
    ClickHouseWriter.Written result;
    try {
      result = writer.finish(f.prepared(), f.rollUp(), f.sent());
    } catch (ClickHouseWriter.RetryableException | RuntimeException e) {
      // Not written after all, or not all of it: it and the batches inserted before it are written
      // again (a row written twice collapses by its key) and their traces recomputed again.
      writer.forget(f.batch().spans());
      abandonInserted();
      if (e instanceof ClickHouseWriter.Refused r && r.perBatch) {
        refusals = overlapsRefused(f.start(), f.batch().end()) ? refusals + 1 : 1;
        refusedStart = f.start();
        refusedEnd = f.batch().end();
      }
      throw e;
    }
    progress.written.addAndGet(result.stored());
    progress.duplicates.addAndGet(result.duplicates());
    progress.insertNanos.addAndGet(result.insertNanos());
    progress.batches.incrementAndGet();
    progress.lastBatchMillis = (clock.nanoTime() - f.started()) / 1_000_000;
    inserted.add(f);
    if (f.rollUp() != null) {
      progress.rollups.incrementAndGet();
      progress.tracesRecomputed.addAndGet(result.traces());
      progress.recomputeNanos.addAndGet(result.recomputeNanos());
      commitInserted();
    }
  }

  /** Commits the buffer through the batches inserted, now that their rollups are written. */
  private void commitInserted() throws IOException {
    if (!running) {
      // Stopped without a flush (a crash, in tests) while ClickHouse was still answering: as after
      // a
      // real crash, nothing more is committed; the next start replays these batches.
      inserted.clear();
      return;
    }
    WriteAheadBuffer.Position end = inserted.get(inserted.size() - 1).batch().end();
    try {
      writer.syncDeadLetters(); // durable before the buffer lets go of them
    } catch (IOException e) {
      abandonInserted();
      throw e;
    }
    buffer.commit(end);
    if (refusedEnd != null && end.compareTo(refusedEnd) >= 0) {
      refusedStart = refusedEnd = null;
      refusals = 0;
    }
    memory.releaseThrough(end);
    long now = System.currentTimeMillis();
    long units = 0;
    for (InFlight f : inserted) {
      units += f.batch().units();
      for (long acceptedAt : f.batch().acceptedAt()) {
        if (acceptedAt > 0) {
          progress.visibility.record(now - acceptedAt);
        }
      }
    }
    inserted.clear();
    long left = pendingRows.addAndGet(-units);
    if (left <= 0) {
      pendingRows.set(buffer.hasPending() ? 1 : 0);
    }
    // What is left has waited already: the next batch is due as soon as it is there.
    pendingSince = buffer.hasPending() ? clock.nanoTime() - maxDelayNanos : 0;
    progress.changed();
  }
}
