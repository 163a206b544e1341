package dev.costtrace.sink;

import com.clickhouse.client.api.Client;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.costtrace.config.Config;
import dev.costtrace.sink.buffer.RowCodec;
import dev.costtrace.sink.buffer.WriteAheadBuffer;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.schema.SchemaOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The {@link SpanSink} over ClickHouse. {@link #accept} appends to the write-ahead buffer on disk
 * and returns: the rows are acknowledged. One writer thread batches the buffer into ClickHouse (by
 * size and age), and commits the buffer only after ClickHouse took the batch, in log order. It
 * prepares the next batch (dedup, encoding) while ClickHouse takes the one before, so that the two
 * overlap; at most one batch is in flight, and when it fails, the one prepared behind it is
 * abandoned with it and both are retried from the checkpoint. While ClickHouse is
 * down the buffer grows, bounded; full, {@code accept} throws {@link SinkFullException}. A restart
 * replays what was not committed. A span is written once: retries within the recent-span window
 * are dropped in memory, and what a restart replays is checked against ClickHouse first.
 */
public final class ClickHouseSink implements SpanSink {
  private static final Logger LOG = Logger.getLogger(ClickHouseSink.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Client client;
  private final boolean ownsClient;
  private final WriteAheadBuffer buffer;
  private final ClickHouseWriter writer;
  private final Path deadLetterFile;
  private final int batchSize;
  private final long maxDelayNanos;
  private final Duration retryAfter;
  private final Duration maxBackoff;
  private final Duration closeTimeout;
  private final Thread thread;
  private final Object signal = new Object();
  private volatile boolean running = true;
  private volatile boolean closed;
  private volatile long pendingSince;
  private final AtomicLong pendingRows = new AtomicLong();
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong written = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();
  private final AtomicLong deadLettered = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private final AtomicLong full = new AtomicLong();
  private volatile long lastBatchMillis;
  /** Accepted calls in log order, for the writer to take without reading the buffer back. */
  private final ConcurrentLinkedQueue<Accepted> inMemory = new ConcurrentLinkedQueue<>();
  private final AtomicLong inMemoryRows = new AtomicLong();
  private final AtomicLong batchesFromMemory = new AtomicLong();
  private final AtomicLong batchesFromBuffer = new AtomicLong();
  private final AtomicLong batchesOverlapped = new AtomicLong();
  private final long maxInMemoryRows;

  /** One accepted call and where its record is in the buffer. */
  private record Accepted(WriteAheadBuffer.Position start, WriteAheadBuffer.Position end,
      List<SpanCostRow> spans, List<TraceAttribution> attributions) {}

  /** Calls taken for one batch, up to {@code end} in the buffer. */
  private record Batch(WriteAheadBuffer.Position end, List<SpanCostRow> spans,
      List<TraceAttribution> attributions, int units) {}

  /** A batch sent to ClickHouse and not yet committed. */
  private record InFlight(Batch batch, ClickHouseWriter.Prepared prepared, java.util.concurrent.Future<?> sent,
      long started) {}

  /** The batch ClickHouse is taking now, if any. Writer thread only. */
  private InFlight inFlight;

  /**
   * Batches read below this position may already be (partly) in ClickHouse: what a restart replays,
   * and what a failed write may have stored before it failed. They are written with the existence
   * check. Writer thread only.
   */
  private WriteAheadBuffer.Position replayUntil;

  private ClickHouseSink(Builder b) throws IOException {
    this.client = b.client;
    this.ownsClient = b.ownsClient;
    this.buffer = new WriteAheadBuffer(b.bufferDir, b.maxBufferBytes, b.segmentBytes, b.sync);
    this.deadLetterFile = b.bufferDir.resolve("dead-letter.jsonl");
    this.writer = new ClickHouseWriter(client, b.database, this::deadLetter, b.recentSpans);
    this.batchSize = b.batchSize;
    // A few batches' worth: enough for the writer to keep up from memory, bounded whatever the load.
    this.maxInMemoryRows = 4L * b.batchSize;
    this.maxDelayNanos = b.maxBatchDelay.toNanos();
    this.retryAfter = b.retryAfter;
    this.maxBackoff = b.maxBackoff;
    this.closeTimeout = b.closeTimeout;
    // Whatever a previous process left in the buffer is due now, and may be in ClickHouse already.
    this.pendingSince = buffer.hasPending() ? System.nanoTime() - maxDelayNanos : 0;
    this.replayUntil = buffer.writePosition();
    this.thread = new Thread(this::run, "costtrace-clickhouse-sink");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * From configuration: {@code costtrace.sink.buffer.dir}, {@code .buffer.max.bytes},
   * {@code .batch.size}, {@code .batch.delay}, {@code .buffer.sync} (always|os).
   */
  public static Builder builder(Config config, ClickHouseEndpoint endpoint) {
    Builder b = builder().client(endpoint.newClient("default"), true)
        .database(SchemaOptions.fromConfig(config).database());
    config.getString("costtrace.sink.buffer.dir").ifPresent(d -> b.bufferDir(Path.of(d)));
    config.getBytes("costtrace.sink.buffer.max.bytes").ifPresent(b::maxBufferBytes);
    config.getInt("costtrace.sink.batch.size").ifPresent(b::batchSize);
    config.getDuration("costtrace.sink.batch.delay").ifPresent(b::maxBatchDelay);
    config.getInt("costtrace.sink.dedup.recent.spans").ifPresent(b::recentSpans);
    config.getString("costtrace.sink.buffer.sync").ifPresent(s -> {
      switch (s.toLowerCase(java.util.Locale.ROOT)) {
        case "always":
          b.sync(WriteAheadBuffer.Sync.ALWAYS);
          break;
        case "os":
          b.sync(WriteAheadBuffer.Sync.OS);
          break;
        default:
          throw Config.invalid("costtrace.sink.buffer.sync", s, "expected always or os");
      }
    });
    return b;
  }

  @Override
  public void accept(List<SpanCostRow> spans, List<TraceAttribution> attributions)
      throws SinkFullException {
    if (closed) {
      throw new IllegalStateException("sink is closed");
    }
    if (spans.isEmpty() && attributions.isEmpty()) {
      return;
    }
    byte[] record = RowCodec.encode(spans, attributions);
    // Kept for the writer too, so that it need not read and decode the record back (the buffer
    // stays the record of what is acknowledged); bounded: past the bound the writer reads these
    // records from the buffer instead, and no copy is made for it.
    boolean keep = inMemoryRows.get() < maxInMemoryRows;
    List<SpanCostRow> spanCopy = keep ? List.copyOf(spans) : null;
    List<TraceAttribution> attributionCopy = keep ? List.copyOf(attributions) : null;
    boolean appended;
    try {
      appended = buffer.append(record, !keep ? null : (start, end) -> {
        inMemoryRows.addAndGet(spanCopy.size() + 1);
        inMemory.add(new Accepted(start, end, spanCopy, attributionCopy));
      });
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the sink buffer", e);
    }
    if (!appended) {
      full.incrementAndGet();
      throw new SinkFullException("the sink buffer is full (" + buffer.sizeBytes()
          + " bytes waiting for ClickHouse)", retryAfter);
    }
    accepted.addAndGet(spans.size());
    if (pendingRows.getAndAdd(Math.max(1, spans.size())) == 0) {
      pendingSince = System.nanoTime();
    }
    if (pendingRows.get() >= batchSize) {
      wake();
    }
  }

  @Override
  public void flush() {
    flush(Duration.ofSeconds(30));
  }

  /** Waits until everything accepted so far is in ClickHouse, or the timeout passes. */
  public boolean flush(Duration timeout) {
    WriteAheadBuffer.Position target = buffer.writePosition();
    long deadline = System.nanoTime() + timeout.toNanos();
    pendingSince = System.nanoTime() - maxDelayNanos;
    wake();
    while (buffer.committed().compareTo(target) < 0) {
      if (System.nanoTime() > deadline || !thread.isAlive()) {
        return false;
      }
      sleep(10);
    }
    return true;
  }

  public SinkMetrics metrics() {
    return new SinkMetrics(accepted.get(), written.get(), duplicates.get(), deadLettered.get(),
        buffer.sizeBytes(), failures.get(), lastBatchMillis, full.get(), buffer.quarantinedRecords());
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (!flush(closeTimeout)) {
      LOG.warning("closing with rows still in the buffer; they are written on the next start");
    }
    stop();
  }

  /**
   * Batches the writer took from memory, read back from the buffer, and prepared while the batch
   * before was still in flight; for tests.
   */
  long[] batchSources() {
    return new long[] {batchesFromMemory.get(), batchesFromBuffer.get(), batchesOverlapped.get()};
  }

  /** Stops the writer thread without flushing, as a crash would; for tests. */
  void crash() {
    closed = true;
    stop();
  }

  private void stop() {
    running = false;
    wake();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    writer.close(); // waits for an insert still in flight; it stays uncommitted, for the next start
    buffer.close();
    if (ownsClient) {
      client.close();
    }
  }

  private void run() {
    long backoff = 100;
    while (running) {
      try {
        if (!due()) {
          if (inFlight != null) {
            complete(); // nothing more to prepare meanwhile
            continue;
          }
          synchronized (signal) {
            signal.wait(20);
          }
          continue;
        }
        if (writeOneBatch()) {
          backoff = 100;
        } else {
          synchronized (signal) {
            signal.wait(5); // the buffer's end is not readable yet (a record awaiting its fsync)
          }
        }
      } catch (ClickHouseWriter.RetryableException e) {
        failures.incrementAndGet();
        LOG.log(Level.WARNING, "ClickHouse write failed, retrying in " + backoff + " ms: " + e.getMessage());
        sleep(backoff);
        backoff = Math.min(backoff * 2, maxBackoff.toMillis());
      } catch (InterruptedException e) {
        break;
      } catch (Throwable t) {
        failures.incrementAndGet();
        LOG.log(Level.SEVERE, "sink writer error, retrying", t);
        sleep(backoff);
        backoff = Math.min(backoff * 2, maxBackoff.toMillis());
      }
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
    return pendingRows.get() >= batchSize || System.nanoTime() - pendingSince >= maxDelayNanos;
  }

  /**
   * Takes the next batch, prepares it while the batch before is in flight, then completes that one
   * and sends this one.
   *
   * @return false when there was nothing to take
   */
  private boolean writeOneBatch() throws IOException, ClickHouseWriter.RetryableException {
    WriteAheadBuffer.Position from = next();
    Batch batch = takeFromMemory(from);
    if (batch != null) {
      batchesFromMemory.incrementAndGet();
    } else {
      batch = takeFromBuffer(from);
      if (batch == null) {
        if (inFlight != null) {
          complete();
          return true;
        }
        return false;
      }
      batchesFromBuffer.incrementAndGet();
    }
    boolean overlapped = inFlight != null;
    ClickHouseWriter.Prepared prepared;
    try {
      prepared = writer.prepare(batch.spans(), batch.attributions(), from.compareTo(replayUntil) < 0);
    } catch (ClickHouseWriter.RetryableException | RuntimeException e) {
      abandon(batch);
      if (inFlight != null) {
        complete(); // what is in flight may still succeed; this batch is retried after it
      }
      throw e;
    }
    if (overlapped) {
      try {
        complete();
      } catch (ClickHouseWriter.RetryableException | IOException | RuntimeException e) {
        abandon(batch); // never sent: it is retried with the one that failed, from the checkpoint
        throw e;
      }
      batchesOverlapped.incrementAndGet();
    }
    inFlight = new InFlight(batch, prepared, writer.send(prepared), System.nanoTime());
    return true;
  }

  /**
   * The next batch from {@code from}, when its records are in memory, in log order from there;
   * else null (they are not, or not all: the bound kept some out).
   */
  private Batch takeFromMemory(WriteAheadBuffer.Position from) {
    WriteAheadBuffer.Position committed = buffer.committed();
    WriteAheadBuffer.Position durable = buffer.writePosition();
    Accepted head;
    while ((head = inMemory.peek()) != null && head.end().compareTo(committed) <= 0) {
      release(inMemory.poll()); // already in ClickHouse (it was read back from the buffer)
    }
    List<SpanCostRow> spans = new ArrayList<>();
    List<TraceAttribution> attributions = new ArrayList<>();
    WriteAheadBuffer.Position end = null;
    int units = 0;
    for (Accepted a : inMemory) {
      if (end == null) {
        if (a.end().compareTo(from) <= 0) {
          continue; // in flight
        }
        if (!a.start().equals(from)) {
          return null; // the record at from was kept out of memory
        }
      } else if (!a.start().equals(end)) {
        break; // a record the bound kept out of memory
      }
      if (a.end().compareTo(durable) > 0 || spans.size() >= batchSize) {
        break; // not durable yet, or a full batch
      }
      spans.addAll(a.spans());
      attributions.addAll(a.attributions());
      units += Math.max(1, a.spans().size());
      end = a.end();
    }
    return end == null ? null : new Batch(end, spans, attributions, units);
  }

  /** An accepted call leaves memory: its rows no longer count against the bound. */
  private void release(Accepted a) {
    inMemoryRows.addAndGet(-(a.spans().size() + 1));
  }

  /** The next batch from {@code from}, read back from the buffer; null when nothing is readable. */
  private Batch takeFromBuffer(WriteAheadBuffer.Position from) throws IOException {
    // About one batch worth of records (a span row is ~0.5 KB in the buffer): reading more would be
    // re-read and re-checksummed by the next batch.
    long readBytes = Math.min(64L << 20, Math.max(64L << 10, batchSize * 768L));
    // A record that cannot be read or decoded is set aside by the buffer, never retried for ever.
    List<WriteAheadBuffer.Decoded<RowCodec.Entry>> records = buffer.read(from, readBytes, RowCodec::decode);
    if (records.isEmpty()) {
      return null;
    }
    List<SpanCostRow> spans = new ArrayList<>();
    List<TraceAttribution> attributions = new ArrayList<>();
    WriteAheadBuffer.Position end = null;
    int units = 0;
    for (WriteAheadBuffer.Decoded<RowCodec.Entry> r : records) {
      RowCodec.Entry e = r.value();
      spans.addAll(e.spans());
      attributions.addAll(e.attributions());
      units += Math.max(1, e.spans().size());
      end = r.end();
      if (spans.size() >= batchSize) {
        break;
      }
    }
    return new Batch(end, spans, attributions, units);
  }

  /**
   * A batch that failed, or was never sent: its spans were not written after all, and some may
   * be (a partial insert, a timeout after the server took it; or, forgotten now, a retry of spans
   * written earlier): its retry, maybe a larger and so a different block, checks what is stored.
   */
  private void abandon(Batch batch) {
    writer.forget(batch.spans());
    if (batch.end().compareTo(replayUntil) > 0) {
      replayUntil = batch.end();
    }
  }

  /** Waits for the batch in flight and commits the buffer through it. */
  private void complete() throws IOException, ClickHouseWriter.RetryableException {
    InFlight f = inFlight;
    inFlight = null;
    ClickHouseWriter.Written result;
    try {
      result = writer.finish(f.prepared(), f.sent());
    } catch (ClickHouseWriter.RetryableException | RuntimeException e) {
      abandon(f.batch());
      throw e;
    }
    WriteAheadBuffer.Position end = f.batch().end();
    buffer.commit(end);
    Accepted done;
    while ((done = inMemory.peek()) != null && done.end().compareTo(end) <= 0) {
      release(inMemory.poll());
    }
    lastBatchMillis = (System.nanoTime() - f.started()) / 1_000_000;
    written.addAndGet(result.stored());
    duplicates.addAndGet(result.duplicates());
    long left = pendingRows.addAndGet(-f.batch().units());
    if (left <= 0) {
      pendingRows.set(buffer.hasPending() ? 1 : 0);
    }
    // What is left has waited already: the next batch is due as soon as it is there.
    pendingSince = buffer.hasPending() ? System.nanoTime() - maxDelayNanos : 0;
  }

  private synchronized void deadLetter(SpanCostRow row, String reason) {
    deadLettered.incrementAndGet();
    ObjectNode o = JSON.createObjectNode();
    o.put("reason", reason);
    o.put("trace_id", row.traceId());
    o.put("span_id", row.spanId());
    o.put("model", row.responseModel().isEmpty() ? row.requestModel() : row.responseModel());
    o.put("total_usd", row.totalCost().toPlainString());
    o.put("pricing_status", row.pricingStatus());
    o.put("conversation_id", row.conversationId());
    o.put("rejected_at", java.time.Instant.now().toString());
    try {
      Files.writeString(deadLetterFile, o + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      LOG.log(Level.SEVERE, "cannot write dead letter for " + row, e);
    }
    LOG.warning("span " + row.traceId() + "/" + row.spanId() + " rejected by ClickHouse: " + reason);
  }

  private void wake() {
    synchronized (signal) {
      signal.notifyAll();
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Builder for {@link ClickHouseSink}; every default is here. */
  public static final class Builder {
    static final int DEFAULT_BATCH_SIZE = 5_000;
    static final Duration DEFAULT_MAX_BATCH_DELAY = Duration.ofSeconds(1);
    static final long DEFAULT_MAX_BUFFER_BYTES = 1L << 30;
    static final long DEFAULT_SEGMENT_BYTES = 64L << 20;
    static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(5);
    static final Duration DEFAULT_MAX_BACKOFF = Duration.ofSeconds(10);
    static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(30);
    static final int DEFAULT_RECENT_SPANS = 1 << 20;

    private Client client;
    private boolean ownsClient;
    private String database = SchemaOptions.DEFAULT_DATABASE;
    private Path bufferDir = Path.of(System.getProperty("user.home"), ".local", "share", "costtrace", "buffer");
    private int batchSize = DEFAULT_BATCH_SIZE;
    private Duration maxBatchDelay = DEFAULT_MAX_BATCH_DELAY;
    private long maxBufferBytes = DEFAULT_MAX_BUFFER_BYTES;
    private long segmentBytes = DEFAULT_SEGMENT_BYTES;
    private WriteAheadBuffer.Sync sync = WriteAheadBuffer.Sync.ALWAYS;
    private Duration retryAfter = DEFAULT_RETRY_AFTER;
    private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
    private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
    private int recentSpans = DEFAULT_RECENT_SPANS;

    private Builder() {}

    /**
     * How many recently written spans are remembered to drop retries (at least this many, at most
     * twice; 16 bytes each). Default 1,048,576.
     */
    public Builder recentSpans(int count) {
      if (count < 1) {
        throw new IllegalArgumentException("recentSpans must be positive");
      }
      this.recentSpans = count;
      return this;
    }

    /** How long close waits for the buffer to drain into ClickHouse; what is left stays on disk. */
    public Builder closeTimeout(Duration timeout) {
      this.closeTimeout = Objects.requireNonNull(timeout, "closeTimeout");
      return this;
    }

    /** The client-v2 client; {@code owns}: close it with the sink. */
    public Builder client(Client client, boolean owns) {
      this.client = Objects.requireNonNull(client, "client");
      this.ownsClient = owns;
      return this;
    }

    public Builder database(String database) {
      this.database = Objects.requireNonNull(database, "database");
      return this;
    }

    public Builder bufferDir(Path dir) {
      this.bufferDir = Objects.requireNonNull(dir, "bufferDir");
      return this;
    }

    public Builder batchSize(int rows) {
      if (rows < 1) {
        throw new IllegalArgumentException("batchSize must be positive");
      }
      this.batchSize = rows;
      return this;
    }

    public Builder maxBatchDelay(Duration delay) {
      if (delay.isNegative()) {
        throw new IllegalArgumentException("maxBatchDelay must be non-negative");
      }
      this.maxBatchDelay = delay;
      return this;
    }

    public Builder maxBufferBytes(long bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("maxBufferBytes must be at least 1024");
      }
      this.maxBufferBytes = bytes;
      return this;
    }

    public Builder segmentBytes(long bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("segmentBytes must be at least 1024");
      }
      this.segmentBytes = bytes;
      return this;
    }

    public Builder sync(WriteAheadBuffer.Sync sync) {
      this.sync = Objects.requireNonNull(sync, "sync");
      return this;
    }

    public Builder retryAfter(Duration retryAfter) {
      this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
      return this;
    }

    public Builder maxBackoff(Duration maxBackoff) {
      this.maxBackoff = Objects.requireNonNull(maxBackoff, "maxBackoff");
      return this;
    }

    /** Opens the buffer (replaying what a previous process left) and starts the writer thread. */
    public ClickHouseSink build() {
      Objects.requireNonNull(client, "client");
      try {
        return new ClickHouseSink(this);
      } catch (IOException e) {
        throw new UncheckedIOException("cannot open the sink buffer in " + bufferDir, e);
      }
    }
  }
}
