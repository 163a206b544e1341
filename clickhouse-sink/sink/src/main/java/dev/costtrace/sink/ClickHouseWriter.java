package dev.costtrace.sink;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.ServerException;
import com.clickhouse.client.api.insert.InsertSettings;
import com.clickhouse.client.api.metadata.TableSchema;
import com.clickhouse.data.ClickHouseFormat;
import dev.costtrace.sink.buffer.GrowableBytes;
import dev.costtrace.sink.engine.ClickHouseTimeouts;
import dev.costtrace.sink.rollup.RollupRecomputer;
import dev.costtrace.sink.rollup.TouchedTraces;
import dev.costtrace.sink.schema.ClusterConsistency;
import dev.costtrace.sink.schema.SchemaOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Writes batches to ClickHouse: the span rows and attribution observations in RowBinary through
 * client-v2, then the rollups of every trace the batch touches, recomputed from what is stored
 * ({@link RollupRecomputer}). A batch is done only when all three are; the caller commits its
 * buffer after that, so a batch retried after any failure (or replayed after a crash) writes its
 * rows again, which their keys collapse, and recomputes its traces again, which gives the same
 * rollups. Spans written recently (an exporter retry) are skipped to keep {@code span_rows} small;
 * rows ClickHouse rejects for their data are isolated by bisection and handed to the dead letters.
 * A batch refused for a reason that is neither the data's nor the server's (see {@link
 * ClickHouseError#mayBlameTheBatch}) fails as {@link Refused}; once the caller has seen it repeat,
 * it prepares the batch again to be {@code isolated}: then such a refusal is bisected too.
 *
 * <p>A batch goes in three steps so that the caller can overlap them: {@link #prepare} (dedup and
 * RowBinary encoding, on the caller's thread), {@link #send} (inserts and recomputation, on the
 * writer's own insert thread) and {@link #finish} (the outcome, and the bisection of a batch
 * ClickHouse refused for its data, on the caller's thread again). While ClickHouse takes batch n,
 * the caller prepares batch n+1; only one batch is sent at a time, so batches reach ClickHouse in
 * log order. Everything but the sending (the recent-span set, the encoders, the dead-letter
 * callback) is used by the caller's thread only.
 */
final class ClickHouseWriter {
  static final String SPAN_TABLE = "span_rows";
  static final String ATTRIBUTION_TABLE = "span_attributions";

  /** A write failed for a reason that may pass (server down, timeout): retry the same batch. */
  static class RetryableException extends Exception {
    private static final long serialVersionUID = 1L;

    RetryableException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /**
   * ClickHouse refused a batch's rows with an error that may be the batch's own; {@code perBatch}
   * false: the server's (overload, setup), which no split can help.
   */
  static final class Refused extends RetryableException {
    private static final long serialVersionUID = 1L;
    final boolean perBatch;
    final int code;

    Refused(String message, ServerException cause) {
      super(message, cause);
      this.code = cause.getCode();
      this.perBatch = ClickHouseError.mayBlameTheBatch(code);
    }
  }

  /**
   * Receives rows ClickHouse rejected, with the reason. What is rejected becomes durable at {@link
   * #sync}, which the caller does before it commits the buffer past those rows; what a failed batch
   * rejected is {@link #discard}ed, since its retry rejects it again.
   */
  interface DeadLetters {
    void reject(SpanCostRow row, String reason);

    void reject(SpanAttribution observation, String reason);

    default void sync() throws java.io.IOException {}

    default void discard() {}
  }

  private final Client client;
  private final String database;
  private final boolean clustered;
  private final DeadLetters deadLetters;
  private final RecentSpans recent;
  private final RollupRecomputer recomputer;
  private final ClickHouseTimeouts timeouts;
  private SpanRowBinary<SpanCostRow> spansEncoder;
  private SpanRowBinary<SpanAttribution> attributionsEncoder;

  /**
   * Every call is bounded by {@code timeouts} (set on each call: the client may have been built
   * without them), so a stalled connection fails the batch, which is retried, instead of hanging
   * the writer.
   */
  ClickHouseWriter(
      Client client,
      SchemaOptions schema,
      DeadLetters deadLetters,
      int recentCapacity,
      ClickHouseTimeouts timeouts,
      long conversationsByKeyFromRows) {
    this.client = client;
    this.timeouts = timeouts;
    this.database = schema.database();
    this.clustered = schema.clustered();
    this.deadLetters = deadLetters;
    this.recent = new RecentSpans(recentCapacity);
    this.recomputer = new RollupRecomputer(client, schema, timeouts, conversationsByKeyFromRows);
  }

  /**
   * What a batch did.
   *
   * @param stored span rows sent to ClickHouse (a replayed row counts again: its key collapses it)
   * @param duplicates span rows skipped as written recently (exporter retries, repeats in the
   *     batch)
   * @param traces traces whose rollups were recomputed with it (0 when it left that to a later
   *     batch)
   * @param insertNanos time in the inserts of rows and observations
   * @param recomputeNanos time in the recomputation of the rollups
   */
  record Written(int stored, int duplicates, int traces, long insertNanos, long recomputeNanos) {}

  /** What the insert thread did for a batch. */
  record Sent(int traces, long insertNanos, long recomputeNanos) {}

  /**
   * A batch encoded and ready to send: its fresh spans as encoded, its observations, its traces.
   */
  static final class Prepared {
    final List<SpanCostRow> encoded;
    final GrowableBytes spanBytes;
    final GrowableBytes attributionBytes;
    final List<SpanAttribution> attributions;
    final int duplicates;
    final TouchedTraces touched;

    /** Split on any refusal that may be the batch's own, not only on data errors. */
    final boolean isolate;

    private Prepared(
        List<SpanCostRow> encoded,
        GrowableBytes spanBytes,
        List<SpanAttribution> attributions,
        GrowableBytes attributionBytes,
        int duplicates,
        TouchedTraces touched,
        boolean isolate) {
      this.encoded = encoded;
      this.spanBytes = spanBytes;
      this.attributions = attributions;
      this.attributionBytes = attributionBytes;
      this.duplicates = duplicates;
      this.touched = touched;
      this.isolate = isolate;
    }

    /** Whether a refusal with this code is split here rather than failing the batch. */
    boolean splits(int code) {
      return ClickHouseError.blamesTheData(code)
          || isolate && ClickHouseError.mayBlameTheBatch(code);
    }
  }

  /**
   * An insert of a sent batch was refused by the server: its span rows (nothing after them was
   * sent) or its observations (the rows were written; the rollups were not).
   */
  private static final class InsertRefused extends Exception {
    private static final long serialVersionUID = 1L;
    final ServerException refusal;
    final boolean spans;

    InsertRefused(ServerException cause, boolean spans) {
      super(cause.getMessage(), cause, false, false);
      this.refusal = cause;
      this.spans = spans;
    }
  }

  /** The one thread that talks to ClickHouse for {@link #send}: one batch in flight at a time. */
  private final ExecutorService inserts =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "costtrace-clickhouse-sink-insert");
            t.setDaemon(true);
            return t;
          });

  /**
   * Drops what was written recently and encodes the rest; rows that cannot be encoded go to the
   * dead-letter callback. The traces of its fresh spans and of its observations are recomputed
   * (after a restart every span is fresh: a replayed batch recomputes all its traces). The fresh
   * spans count as written from here on: whoever sees the batch fail, here or later, must {@link
   * #forget} it.
   */
  Prepared prepare(List<SpanCostRow> spans, List<SpanAttribution> attributions)
      throws RetryableException {
    return prepare(spans, attributions, false);
  }

  /**
   * @param isolate split this batch on any refusal that may be its own (it repeated)
   */
  Prepared prepare(List<SpanCostRow> spans, List<SpanAttribution> attributions, boolean isolate)
      throws RetryableException {
    List<SpanCostRow> fresh = distinct(spans);
    List<SpanCostRow> encoded = new ArrayList<>(fresh.size());
    GrowableBytes spanBytes = fresh.isEmpty() ? null : encodeSpans(fresh, encoded);
    // A span written recently is in a batch that recomputes (or recomputed) its trace before it is
    // committed; if that batch fails, this one is abandoned with it and both come back whole. So
    // only the fresh spans' traces, and the observations', need recomputing here.
    return new Prepared(
        encoded,
        encoded.isEmpty() ? null : spanBytes,
        attributions,
        attributions.isEmpty() ? null : encodeAttributions(attributions),
        spans.size() - fresh.size(),
        TouchedTraces.of(fresh, attributions),
        isolate);
  }

  /**
   * Starts the inserts of a prepared batch, spans first, on the insert thread; then, with {@code
   * rollUp}, the recomputation of those traces (this batch's and those of batches inserted before
   * it that left theirs to this one).
   */
  Future<Sent> send(Prepared p, TouchedTraces rollUp) {
    return inserts.submit(
        () -> {
          long start = System.nanoTime();
          if (p.spanBytes != null) {
            try {
              insert(SPAN_TABLE, p.spanBytes);
            } catch (ServerException e) {
              throw new InsertRefused(e, true);
            }
          }
          if (p.attributionBytes != null) {
            try {
              insert(ATTRIBUTION_TABLE, p.attributionBytes);
            } catch (ServerException e) {
              throw new InsertRefused(e, false);
            }
          }
          return rollUp(rollUp, start);
        });
  }

  /** Recomputes these traces on the insert thread, after what was sent before. */
  Future<Sent> recompute(TouchedTraces traces) {
    return inserts.submit(
        () -> {
          long start = System.nanoTime();
          try {
            return new Sent(recomputer.recompute(traces).traces(), 0, System.nanoTime() - start);
          } catch (RuntimeException e) {
            throw new RetryableException(e.getMessage(), e);
          }
        });
  }

  /** With {@code rollUp}, the rollups: what follows the inserts of a batch. */
  private Sent rollUp(TouchedTraces rollUp, long start) throws RetryableException {
    long inserted = System.nanoTime();
    if (rollUp == null) {
      return new Sent(0, inserted - start, 0);
    }
    try {
      int traces = recomputer.recompute(rollUp).traces();
      return new Sent(traces, inserted - start, System.nanoTime() - inserted);
    } catch (RuntimeException e) {
      throw new RetryableException(e.getMessage(), e);
    }
  }

  /**
   * Waits for a sent batch. A span insert refused for its data is split here until the rows at
   * fault are isolated (each goes to the dead-letter callback), then the rest of the batch follows
   * (its observations, and the recomputation it was sent with).
   *
   * @throws RetryableException when nothing can be said about this batch but "try again"
   */
  Written finish(Prepared p, TouchedTraces rollUp, Future<Sent> sent) throws RetryableException {
    try {
      Sent done = sent.get();
      return new Written(
          p.encoded.size(), p.duplicates, done.traces(), done.insertNanos(), done.recomputeNanos());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RetryableException("interrupted", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RetryableException r) {
        throw r;
      }
      if (!(cause instanceof InsertRefused refused)) {
        throw new RetryableException("insert failed: " + cause, cause);
      }
      ServerException refusal = refused.refusal;
      if (!p.splits(refusal.getCode())) {
        throw new Refused(
            "ClickHouse refused the batch's "
                + (refused.spans ? "span rows" : "observations")
                + ": "
                + refusal.getMessage(),
            refusal);
      }
      long start = System.nanoTime();
      int stored = p.encoded.size();
      if (refused.spans) {
        stored = bisect(p.encoded, refusal, p);
        if (p.attributionBytes != null) {
          try {
            insert(ATTRIBUTION_TABLE, p.attributionBytes);
          } catch (ServerException again) {
            if (!p.splits(again.getCode())) {
              throw new Refused(
                  "ClickHouse refused the batch's observations: " + again.getMessage(), again);
            }
            bisectAttributions(p.attributions, again, p);
          }
        }
      } else {
        bisectAttributions(p.attributions, refusal, p);
      }
      Sent done = rollUp(rollUp, start);
      return new Written(
          stored, p.duplicates, done.traces(), done.insertNanos(), done.recomputeNanos());
    }
  }

  /** Stops the insert thread once what was sent has finished. */
  void close() {
    inserts.shutdown();
    try {
      inserts.awaitTermination(70, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Drops spans written recently (retries) and repeats within the batch. */
  private List<SpanCostRow> distinct(List<SpanCostRow> spans) {
    List<SpanCostRow> out = new ArrayList<>(spans.size());
    for (SpanCostRow r : spans) {
      if (recent.add(r.authTenant(), r.traceId(), r.spanId())) {
        out.add(r);
      }
    }
    return out;
  }

  /** Makes what was dead-lettered durable; before the buffer is committed past it. */
  void syncDeadLetters() throws java.io.IOException {
    deadLetters.sync();
  }

  /** Forgets what failed batches dead-lettered and did not sync: their retries reject it again. */
  void discardDeadLetters() {
    deadLetters.discard();
  }

  /**
   * A batch failed: its spans were not written after all (or not all), and its retry must write
   * them.
   */
  void forget(List<SpanCostRow> spans) {
    for (SpanCostRow r : spans) {
      recent.remove(r.authTenant(), r.traceId(), r.spanId());
    }
  }

  /** Encodes rows into one RowBinary block; {@code encoded} receives those that could be. */
  private GrowableBytes encodeSpans(List<SpanCostRow> rows, List<SpanCostRow> encoded)
      throws RetryableException {
    if (spansEncoder == null) {
      spansEncoder = SpanRowBinary.spans(schema(SPAN_TABLE));
    }
    GrowableBytes bytes = new GrowableBytes(rows.size() * 512);
    for (SpanCostRow r : rows) {
      try {
        spansEncoder.append(bytes, r); // a row that cannot be encoded leaves no byte behind
      } catch (RuntimeException e) {
        deadLetters.reject(r, "cannot encode for ClickHouse: " + e.getMessage());
        continue;
      }
      encoded.add(r);
    }
    return bytes;
  }

  private GrowableBytes encodeAttributions(List<SpanAttribution> rows) throws RetryableException {
    if (attributionsEncoder == null) {
      attributionsEncoder = SpanRowBinary.attributions(schema(ATTRIBUTION_TABLE));
    }
    GrowableBytes bytes = new GrowableBytes(rows.size() * 160);
    try {
      for (SpanAttribution a : rows) {
        attributionsEncoder.append(bytes, a);
      }
    } catch (RuntimeException e) {
      throw new RetryableException("cannot encode attributions: " + e.getMessage(), e);
    }
    return bytes;
  }

  /**
   * Rows ClickHouse refused as a block: halves until the culprits stand alone. A half that goes in
   * is written; if a later half fails for the server's reasons, the batch is retried whole and the
   * rows written here are written again, which their keys collapse (as for any failed batch).
   */
  private int bisect(List<SpanCostRow> rows, ServerException refused, Prepared p)
      throws RetryableException {
    if (rows.size() == 1) {
      deadLetters.reject(rows.get(0), reason(refused));
      return 0;
    }
    int half = rows.size() / 2;
    return insertSpans(rows.subList(0, half), p) + insertSpans(rows.subList(half, rows.size()), p);
  }

  /**
   * Encodes and inserts rows on this thread; bisects when ClickHouse refuses them as the batch's
   * fault.
   */
  private int insertSpans(List<SpanCostRow> rows, Prepared p) throws RetryableException {
    List<SpanCostRow> encoded = new ArrayList<>(rows.size());
    GrowableBytes bytes = encodeSpans(rows, encoded);
    if (encoded.isEmpty()) {
      return 0;
    }
    try {
      insert(SPAN_TABLE, bytes);
      return encoded.size();
    } catch (ServerException e) {
      if (!p.splits(e.getCode())) {
        throw new Refused("ClickHouse refused the batch's span rows: " + e.getMessage(), e);
      }
      return bisect(encoded, e, p);
    }
  }

  /** Observations refused as a block: halves until the culprits stand alone, as for span rows. */
  private void bisectAttributions(List<SpanAttribution> rows, ServerException refused, Prepared p)
      throws RetryableException {
    if (rows.size() == 1) {
      deadLetters.reject(rows.get(0), reason(refused));
      return;
    }
    int half = rows.size() / 2;
    for (List<SpanAttribution> part :
        List.of(rows.subList(0, half), rows.subList(half, rows.size()))) {
      try {
        insert(ATTRIBUTION_TABLE, encodeAttributions(part));
      } catch (ServerException e) {
        if (!p.splits(e.getCode())) {
          throw new Refused("ClickHouse refused the batch's observations: " + e.getMessage(), e);
        }
        bisectAttributions(part, e, p);
      }
    }
  }

  /** What a dead letter says: the server's message, which names the code. */
  private static String reason(ServerException e) {
    String m = e.getMessage() == null ? "" : e.getMessage().strip();
    return m.startsWith("Code:") ? m : "Code: " + e.getCode() + ". " + m;
  }

  private void insert(String table, GrowableBytes rowBinary) throws RetryableException {
    InsertSettings settings = timeouts.insert(new InsertSettings());
    if (clustered) {
      ClusterConsistency.writes(settings);
    }
    try {
      client
          .insert(
              database + "." + table, rowBinary.inputStream(), ClickHouseFormat.RowBinary, settings)
          .get(
              timeouts.clientWait().toMillis(),
              TimeUnit.MILLISECONDS) // client-v2's asynchronous mode
          .close();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ServerException) {
        throw (ServerException) e.getCause();
      }
      throw new RetryableException(
          "insert into " + table + " failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RetryableException("interrupted", e);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new RetryableException(
          "insert into " + table + " took over " + timeouts.clientWait(), e);
    } catch (ServerException e) {
      throw e;
    } catch (Exception e) {
      throw new RetryableException("insert into " + table + " failed: " + e, e);
    }
  }

  private TableSchema schema(String table) throws RetryableException {
    try {
      return client.getTableSchema(table, database);
    } catch (RuntimeException e) {
      throw new RetryableException(
          "cannot describe " + database + "." + table + ": " + e.getMessage(), e);
    }
  }
}
