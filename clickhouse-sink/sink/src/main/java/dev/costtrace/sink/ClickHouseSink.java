package dev.costtrace.sink;

import com.clickhouse.client.api.Client;
import dev.costtrace.config.Config;
import dev.costtrace.sink.buffer.RowCodec;
import dev.costtrace.sink.buffer.WriteAheadBuffer;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.engine.ClickHouseTimeouts;
import dev.costtrace.sink.schema.SchemaOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.logging.Logger;

/**
 * The {@link SpanSink} over ClickHouse. {@link #accept} appends the call to the write-ahead buffer
 * on disk and returns: its rows are acknowledged. The writer thread ({@link SinkWriterLoop}) then
 * writes batches to ClickHouse — span rows, attribution observations, and the rollups of every
 * trace they touch, recomputed from what is stored — and commits the buffer only after all of that,
 * in log order. While ClickHouse is down the buffer grows, bounded; full, {@code accept} throws
 * {@link SinkFullException}. A restart replays what was not committed; a replayed batch writes its
 * rows again (their keys collapse them) and recomputes its traces again.
 */
public final class ClickHouseSink implements SpanSink {
  private static final Logger LOG = Logger.getLogger(ClickHouseSink.class.getName());

  private final Client client;
  private final boolean ownsClient;
  private final WriteAheadBuffer buffer;
  private final AcceptedCalls memory;
  private final ClickHouseWriter writer;
  private final SinkWriterLoop loop;
  private final SinkProgress progress = new SinkProgress();
  private final Duration retryAfter;
  private final Duration closeTimeout;
  private final Thread thread;
  private volatile boolean closed;

  private ClickHouseSink(Builder b) throws IOException {
    this.client = b.client;
    this.ownsClient = b.ownsClient;
    this.buffer = new WriteAheadBuffer(b.bufferDir, b.maxBufferBytes, b.segmentBytes, b.sync);
    // A few batches' worth: the batches waiting for their rollups and a couple behind them, so the
    // writer keeps up from memory; bounded whatever the load.
    this.memory = new AcceptedCalls((SinkWriterLoop.MAX_BATCHES_PER_ROLLUP + 2L) * b.batchSize);
    this.writer =
        new ClickHouseWriter(
            client,
            b.schema,
            new DeadLetterFile(b.bufferDir, progress, b.deadLetterMaxBytes, b.deadLetterMaxFiles),
            b.recentSpans,
            b.timeouts,
            b.conversationsByKeyFromRows);
    this.loop =
        new SinkWriterLoop(
            buffer,
            memory,
            writer,
            progress,
            b.clock,
            b.batchSize,
            b.maxBatchDelay.toNanos(),
            b.maxBackoff.toMillis(),
            b.maxBatchAttempts);
    this.retryAfter = b.retryAfter;
    this.closeTimeout = b.closeTimeout;
    this.thread = new Thread(loop, "costtrace-clickhouse-sink");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * From configuration: {@code costtrace.sink.buffer.dir}, {@code .buffer.max.bytes}, {@code
   * .buffer.segment.bytes}, {@code .batch.size}, {@code .batch.delay}, {@code .buffer.sync}
   * (always|os), {@code .dedup.recent.spans}, {@code .max.backoff}, {@code .max.batch.attempts},
   * {@code .dead.letter.max.bytes}, {@code .dead.letter.max.files}, {@code
   * .conversations.by.key.from.rows}; the database and cluster from {@link
   * SchemaOptions#fromConfig}; the timeouts of every ClickHouse call from {@link
   * ClickHouseTimeouts#fromConfig} ({@code costtrace.clickhouse.socket.timeout}, {@code
   * .connect.timeout}, {@code .query.timeout}).
   */
  public static Builder builder(Config config, ClickHouseEndpoint endpoint) {
    ClickHouseTimeouts timeouts = ClickHouseTimeouts.fromConfig(config);
    Builder b =
        builder()
            .client(endpoint.newClient("default", timeouts), true)
            .timeouts(timeouts)
            .schema(SchemaOptions.fromConfig(config));
    b.bufferDir(bufferDir(config));
    set(
        config,
        "costtrace.sink.buffer.max.bytes",
        () -> config.getBytes("costtrace.sink.buffer.max.bytes").ifPresent(b::maxBufferBytes));
    set(
        config,
        "costtrace.sink.buffer.segment.bytes",
        () -> config.getBytes("costtrace.sink.buffer.segment.bytes").ifPresent(b::segmentBytes));
    set(
        config,
        "costtrace.sink.max.backoff",
        () -> config.getDuration("costtrace.sink.max.backoff").ifPresent(b::maxBackoff));
    set(
        config,
        MAX_BATCH_ATTEMPTS_KEY,
        () -> config.getInt(MAX_BATCH_ATTEMPTS_KEY).ifPresent(b::maxBatchAttempts));
    set(
        config,
        "costtrace.sink.dead.letter.max.bytes",
        () ->
            config
                .getBytes("costtrace.sink.dead.letter.max.bytes")
                .ifPresent(b::deadLetterMaxBytes));
    set(
        config,
        "costtrace.sink.dead.letter.max.files",
        () ->
            config.getInt("costtrace.sink.dead.letter.max.files").ifPresent(b::deadLetterMaxFiles));
    set(
        config,
        "costtrace.sink.conversations.by.key.from.rows",
        () ->
            config
                .getLong("costtrace.sink.conversations.by.key.from.rows")
                .ifPresent(b::conversationsByKeyFromRows));
    config.getInt("costtrace.sink.batch.size").ifPresent(b::batchSize);
    config.getDuration("costtrace.sink.batch.delay").ifPresent(b::maxBatchDelay);
    config.getInt("costtrace.sink.dedup.recent.spans").ifPresent(b::recentSpans);
    config
        .getString("costtrace.sink.buffer.sync")
        .ifPresent(
            s -> {
              switch (s.toLowerCase(Locale.ROOT)) {
                case "always" -> b.sync(WriteAheadBuffer.Sync.ALWAYS);
                case "os" -> b.sync(WriteAheadBuffer.Sync.OS);
                default ->
                    throw Config.invalid("costtrace.sink.buffer.sync", s, "expected always or os");
              }
            });
    return b;
  }

  public static final String MAX_BATCH_ATTEMPTS_KEY = "costtrace.sink.max.batch.attempts";

  /** The buffer directory ({@code costtrace.sink.buffer.dir}), where the dead letters are too. */
  public static Path bufferDir(Config config) {
    return config
        .getString("costtrace.sink.buffer.dir")
        .map(Path::of)
        .orElse(Builder.DEFAULT_BUFFER_DIR);
  }

  /** Applies one setting; a value the builder refuses fails naming the key. */
  private static void set(Config config, String key, Runnable apply) {
    try {
      apply.run();
    } catch (IllegalArgumentException e) {
      throw Config.invalid(key, config.getString(key).orElse(""), e.getMessage());
    }
  }

  @Override
  public void accept(List<SpanCostRow> spans, List<SpanAttribution> attributions)
      throws SinkFullException {
    if (closed) {
      throw new IllegalStateException("sink is closed");
    }
    if (spans.isEmpty() && attributions.isEmpty()) {
      return;
    }
    long acceptedAt = System.currentTimeMillis();
    byte[] record = RowCodec.encode(spans, attributions, acceptedAt);
    // Kept for the writer too, so that it need not read and decode the record back; past the
    // bound the writer reads these records from the buffer instead, and no copy is made for it.
    boolean keep = memory.hasRoom();
    List<SpanCostRow> spanCopy = keep ? List.copyOf(spans) : null;
    List<SpanAttribution> attributionCopy = keep ? List.copyOf(attributions) : null;
    boolean appended;
    try {
      appended =
          buffer.append(
              record,
              !keep
                  ? null
                  : (start, end) ->
                      memory.add(
                          new AcceptedCalls.Call(
                              start, end, spanCopy, attributionCopy, acceptedAt)));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the sink buffer", e);
    }
    if (!appended) {
      progress.full.incrementAndGet();
      throw new SinkFullException(
          "the sink buffer is full (" + buffer.sizeBytes() + " bytes waiting for ClickHouse)",
          retryAfter);
    }
    progress.accepted.addAndGet(spans.size());
    loop.accepted(Math.max(1, spans.size()));
  }

  @Override
  public void flush() {
    flush(Duration.ofSeconds(30));
  }

  /**
   * Waits until everything accepted so far is in ClickHouse with its rollups, or the timeout
   * passes.
   */
  public boolean flush(Duration timeout) {
    WriteAheadBuffer.Position target = buffer.writePosition();
    loop.hurry();
    return progress.await(
        () -> buffer.committed().compareTo(target) >= 0, timeout, thread::isAlive);
  }

  /**
   * Waits until the sink's counters satisfy a condition (re-checked whenever the writer finishes or
   * fails a batch), or the timeout passes; for tools and tests that wait on the sink.
   *
   * @return whether the condition holds
   */
  public boolean awaitMetrics(Predicate<SinkMetrics> condition, Duration timeout) {
    return progress.await(() -> condition.test(metrics()), timeout, thread::isAlive);
  }

  public SinkMetrics metrics() {
    return new SinkMetrics(
        progress.accepted.get(),
        progress.written.get(),
        progress.duplicates.get(),
        progress.deadLettered.get(),
        buffer.sizeBytes(),
        buffer.pendingBytes(),
        progress.failures.get(),
        progress.lastBatchMillis,
        progress.full.get(),
        progress.tracesRecomputed.get(),
        progress.visibility.snapshot(),
        progress.batches.get(),
        progress.rollups.get(),
        progress.insertNanos.get() / 1_000_000,
        progress.recomputeNanos.get() / 1_000_000,
        buffer.quarantinedRecords());
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
    return loop.batchSources();
  }

  /** Stops the writer thread without flushing, as a crash would; for tests. */
  void crash() {
    closed = true;
    stop();
  }

  private void stop() {
    loop.stop();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    writer.close(); // waits for a batch still in flight; it stays uncommitted, for the next start
    buffer.close();
    if (ownsClient) {
      client.close();
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

    /**
     * ~1.5 s of retries at the initial backoff: long enough to ride out a blip, short of a stall.
     */
    static final int DEFAULT_MAX_BATCH_ATTEMPTS = 5;

    /**
     * Trace rollups from which the writer reads a conversation's traces by key: measured on the
     * embedded engine, reading the whole table through FINAL costs about 14 ms at 42,000 rows and
     * 1.5 s at 8.7 million, the read by key 13 % more engine CPU than that at 42,000 rows and 2.3
     * times less at 8.7 million (benchmarks/results/receiver.md).
     */
    public static final long DEFAULT_CONVERSATIONS_BY_KEY_FROM_ROWS = 500_000;

    static final long DEFAULT_DEAD_LETTER_MAX_BYTES = 64L << 20;
    static final int DEFAULT_DEAD_LETTER_MAX_FILES = 10;
    static final Path DEFAULT_BUFFER_DIR =
        Path.of(System.getProperty("user.home"), ".local", "share", "costtrace", "buffer");

    private Client client;
    private boolean ownsClient;
    private SchemaOptions schema = SchemaOptions.defaults();
    private Path bufferDir = DEFAULT_BUFFER_DIR;
    private int batchSize = DEFAULT_BATCH_SIZE;
    private Duration maxBatchDelay = DEFAULT_MAX_BATCH_DELAY;
    private long maxBufferBytes = DEFAULT_MAX_BUFFER_BYTES;
    private long segmentBytes = DEFAULT_SEGMENT_BYTES;
    private WriteAheadBuffer.Sync sync = WriteAheadBuffer.Sync.ALWAYS;
    private Duration retryAfter = DEFAULT_RETRY_AFTER;
    private Duration maxBackoff = DEFAULT_MAX_BACKOFF;
    private Duration closeTimeout = DEFAULT_CLOSE_TIMEOUT;
    private int recentSpans = DEFAULT_RECENT_SPANS;
    private long conversationsByKeyFromRows = DEFAULT_CONVERSATIONS_BY_KEY_FROM_ROWS;
    private int maxBatchAttempts = DEFAULT_MAX_BATCH_ATTEMPTS;
    private long deadLetterMaxBytes = DEFAULT_DEAD_LETTER_MAX_BYTES;
    private int deadLetterMaxFiles = DEFAULT_DEAD_LETTER_MAX_FILES;
    private SinkClock clock = SinkClock.system();
    private ClickHouseTimeouts timeouts = ClickHouseTimeouts.defaults();

    private Builder() {}

    /**
     * How long each ClickHouse call may wait (default {@link ClickHouseTimeouts#defaults()}: 30s on
     * the socket, 10s to connect, 120s for a rollup recomputation): set on every insert and
     * recomputation the writer makes, so a stalled connection fails the batch, which is retried.
     * Describing the tables (once per sink) is bounded only by the client's own timeouts: build it
     * with {@link ClickHouseEndpoint#newClient(String, ClickHouseTimeouts)}.
     */
    public Builder timeouts(ClickHouseTimeouts timeouts) {
      this.timeouts = Objects.requireNonNull(timeouts, "timeouts");
      return this;
    }

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

    /**
     * From how many trace rollups on (checked once a minute) the writer reads the traces of the
     * conversations it recomputes by conversation, through the trace rollups' projection ({@code
     * rollup/conversation_traces.sql}), rather than the whole table through FINAL, which is cheaper
     * while the table is small. 0: always by conversation. Always by conversation on a cluster.
     * Default 500,000.
     */
    public Builder conversationsByKeyFromRows(long rows) {
      if (rows < 0) {
        throw new IllegalArgumentException("conversationsByKeyFromRows must not be negative");
      }
      this.conversationsByKeyFromRows = rows;
      return this;
    }

    /**
     * How many times a batch ClickHouse refuses with an error that may be the batch's own (neither
     * a data error nor the server's: see {@code ClickHouseError}) is tried whole before it is split
     * to dead-letter only the rows at fault. Default 5.
     */
    public Builder maxBatchAttempts(int attempts) {
      if (attempts < 1) {
        throw new IllegalArgumentException("maxBatchAttempts must be at least 1");
      }
      this.maxBatchAttempts = attempts;
      return this;
    }

    /** Size at which the dead-letter file is closed and a new one started. Default 64 MiB. */
    public Builder deadLetterMaxBytes(long bytes) {
      if (bytes < 1024) {
        throw new IllegalArgumentException("deadLetterMaxBytes must be at least 1024");
      }
      this.deadLetterMaxBytes = bytes;
      return this;
    }

    /** Closed dead-letter files kept (the oldest beyond are deleted, logged). Default 10. */
    public Builder deadLetterMaxFiles(int files) {
      if (files < 1) {
        throw new IllegalArgumentException("deadLetterMaxFiles must be at least 1");
      }
      this.deadLetterMaxFiles = files;
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

    /** The database, on one server. */
    public Builder database(String database) {
      return schema(
          new SchemaOptions(
              Objects.requireNonNull(database, "database"),
              schema.cluster(),
              schema.ttl(),
              schema.replicated()));
    }

    /** The database and, on a cluster, its name (writes then go through its Distributed tables). */
    public Builder schema(SchemaOptions schema) {
      this.schema = Objects.requireNonNull(schema, "schema");
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
      if (maxBackoff.toMillis() < 1) {
        throw new IllegalArgumentException("maxBackoff must be at least 1ms");
      }
      this.maxBackoff = maxBackoff;
      return this;
    }

    /** The time source of the writer's decisions (default {@link SinkClock#system()}). */
    public Builder clock(SinkClock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
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
