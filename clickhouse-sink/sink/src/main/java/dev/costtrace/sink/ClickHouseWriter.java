package dev.costtrace.sink;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.ServerException;
import com.clickhouse.client.api.insert.InsertSettings;
import com.clickhouse.client.api.metadata.TableSchema;
import com.clickhouse.client.api.query.GenericRecord;
import com.clickhouse.data.ClickHouseFormat;
import dev.costtrace.sink.buffer.GrowableBytes;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Writes batches to ClickHouse in RowBinary through client-v2: skips spans written recently (an
 * exporter retry) and, for what a restart replays from the buffer, spans already stored (a batch
 * that reached ClickHouse just before a crash), so each counts once; isolates rows ClickHouse rejects by
 * bisection and hands them to the dead-letter callback, and reports everything else that fails as
 * retryable.
 *
 * <p>A batch goes in three steps so that the caller can overlap them: {@link #prepare} (dedup and
 * RowBinary encoding, on the caller's thread), {@link #send} (the inserts, on the writer's own
 * insert thread) and {@link #finish} (the outcome, and the bisection of a batch ClickHouse refused
 * for its data, on the caller's thread again). While ClickHouse takes batch n, the caller prepares
 * batch n+1; only one batch is sent at a time, so inserts stay in log order. Everything but the
 * inserts themselves (the recent-span set, the encoders, the dead-letter callback) is used by the
 * caller's thread only.
 */
final class ClickHouseWriter {
  /** ClickHouse error codes that blame the data, not the server: retrying will not help. */
  private static final Set<Integer> DATA_ERRORS =
      Set.of(6, 27, 33, 38, 41, 53, 69, 70, 72, 117, 131, 190, 321, 407, 469);

  private static final Pattern HEX_ID = Pattern.compile("[0-9a-f]{32}");
  private static final int EXISTENCE_CHUNK = 500;

  /** A write failed for a reason that may pass (server down, timeout): retry the same batch. */
  static final class RetryableException extends Exception {
    private static final long serialVersionUID = 1L;

    RetryableException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** Receives rows ClickHouse rejected, with the reason. */
  interface DeadLetters {
    void reject(SpanCostRow row, String reason);
  }

  private final Client client;
  private final String database;
  private final DeadLetters deadLetters;
  private final RecentSpans recent;
  private SpanRowBinary<SpanCostRow> spansEncoder;
  private SpanRowBinary<TraceAttribution> attributionsEncoder;

  ClickHouseWriter(Client client, String database, DeadLetters deadLetters, int recentCapacity) {
    this.client = client;
    this.database = database;
    this.deadLetters = deadLetters;
    this.recent = new RecentSpans(recentCapacity);
  }

  /**
   * What a batch did.
   *
   * @param stored span rows newly stored
   * @param duplicates span rows skipped as already written (retries, replays, repeats in the batch)
   */
  record Written(int stored, int duplicates) {}

  /** A batch encoded and ready to send: its fresh spans as encoded, and its attributions. */
  static final class Prepared {
    final List<SpanCostRow> encoded;
    final GrowableBytes spanBytes;
    final GrowableBytes attributionBytes;
    final int duplicates;

    private Prepared(List<SpanCostRow> encoded, GrowableBytes spanBytes, GrowableBytes attributionBytes,
        int duplicates) {
      this.encoded = encoded;
      this.spanBytes = spanBytes;
      this.attributionBytes = attributionBytes;
      this.duplicates = duplicates;
    }
  }

  /** The span insert of a sent batch was refused by the server (the attributions were not sent). */
  private static final class SpansRefused extends Exception {
    private static final long serialVersionUID = 1L;
    final ServerException refusal;

    SpansRefused(ServerException cause) {
      super(cause.getMessage(), cause, false, false);
      this.refusal = cause;
    }
  }

  /** The one thread that talks to ClickHouse for {@link #send}: one batch in flight at a time. */
  private final ExecutorService inserts = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "costtrace-clickhouse-sink-insert");
    t.setDaemon(true);
    return t;
  });

  /**
   * Drops what was written recently (and, with {@code checkStored}, what ClickHouse has already)
   * and encodes the rest; rows that cannot be encoded go to the dead-letter callback. The fresh
   * spans count as written from here on: whoever sees the batch fail, here or later, must
   * {@link #forget} it.
   */
  Prepared prepare(List<SpanCostRow> spans, List<TraceAttribution> attributions, boolean checkStored)
      throws RetryableException {
    List<SpanCostRow> fresh = distinct(spans);
    if (checkStored) {
      fresh = withoutStored(fresh);
    }
    List<SpanCostRow> encoded = new ArrayList<>(fresh.size());
    GrowableBytes spanBytes = fresh.isEmpty() ? null : encodeSpans(fresh, encoded);
    return new Prepared(encoded, encoded.isEmpty() ? null : spanBytes,
        attributions.isEmpty() ? null : encodeAttributions(attributions), spans.size() - fresh.size());
  }

  /** Starts the inserts of a prepared batch, spans first, on the insert thread. */
  Future<?> send(Prepared p) {
    return inserts.submit(() -> {
      if (p.spanBytes != null) {
        try {
          insert("spans", p.spanBytes);
        } catch (ServerException e) {
          throw new SpansRefused(e);
        }
      }
      if (p.attributionBytes != null) {
        insertAttributions(p.attributionBytes);
      }
      return null;
    });
  }

  /**
   * Waits for a sent batch. A span insert refused for its data is split here until the rows at
   * fault are isolated (each goes to the dead-letter callback), then the attributions follow.
   *
   * @throws RetryableException when nothing can be said about this batch but "try again"
   */
  Written finish(Prepared p, Future<?> sent) throws RetryableException {
    try {
      sent.get();
      return new Written(p.encoded.size(), p.duplicates);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RetryableException("interrupted", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RetryableException r) {
        throw r;
      }
      if (!(cause instanceof SpansRefused refused)) {
        throw new RetryableException("insert failed: " + cause, cause);
      }
      if (!DATA_ERRORS.contains(refused.refusal.getCode())) {
        throw new RetryableException("ClickHouse refused the batch: " + refused.getMessage(), refused.refusal);
      }
      int stored = bisect(p.encoded, refused.refusal);
      if (p.attributionBytes != null) {
        insertAttributions(p.attributionBytes);
      }
      return new Written(stored, p.duplicates);
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
      if (recent.add(r.traceId(), r.spanId())) {
        out.add(r);
      }
    }
    return out;
  }

  /** A batch failed: its spans were not written after all. */
  void forget(List<SpanCostRow> spans) {
    for (SpanCostRow r : spans) {
      recent.remove(r.traceId(), r.spanId());
    }
  }

  /** Drops spans already in ClickHouse: the primary key (trace_id, span_id) makes this cheap. */
  private List<SpanCostRow> withoutStored(List<SpanCostRow> spans) throws RetryableException {
    Map<String, List<SpanCostRow>> byTrace = new HashMap<>();
    for (SpanCostRow r : spans) {
      byTrace.computeIfAbsent(r.traceId(), k -> new ArrayList<>()).add(r);
    }
    Set<String> stored = new HashSet<>();
    List<String> traces = new ArrayList<>(byTrace.keySet());
    for (int i = 0; i < traces.size(); i += EXISTENCE_CHUNK) {
      StringBuilder in = new StringBuilder();
      for (String t : traces.subList(i, Math.min(traces.size(), i + EXISTENCE_CHUNK))) {
        if (!HEX_ID.matcher(t).matches()) {
          continue; // not a hex ID: cannot be stored already, and must not reach the SQL text
        }
        in.append(in.length() == 0 ? "'" : ",'").append(t).append('\'');
      }
      if (in.length() == 0) {
        continue;
      }
      try {
        for (GenericRecord r : client.queryAll("SELECT trace_id, span_id FROM " + database
            + ".spans WHERE trace_id IN (" + in + ")")) {
          stored.add(r.getString("trace_id") + r.getString("span_id"));
        }
      } catch (RuntimeException e) {
        throw new RetryableException("existence check failed: " + e.getMessage(), e);
      }
    }
    if (stored.isEmpty()) {
      return spans;
    }
    List<SpanCostRow> fresh = new ArrayList<>(spans.size());
    for (SpanCostRow r : spans) {
      if (!stored.contains(r.traceId() + r.spanId())) {
        fresh.add(r);
      }
    }
    return fresh;
  }

  /** Encodes rows into one RowBinary block; {@code encoded} receives those that could be. */
  private GrowableBytes encodeSpans(List<SpanCostRow> rows, List<SpanCostRow> encoded) throws RetryableException {
    if (spansEncoder == null) {
      spansEncoder = SpanRowBinary.spans(schema("spans"));
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

  private GrowableBytes encodeAttributions(List<TraceAttribution> rows) throws RetryableException {
    if (attributionsEncoder == null) {
      attributionsEncoder = SpanRowBinary.attributions(schema("trace_attributions"));
    }
    GrowableBytes bytes = new GrowableBytes(rows.size() * 128);
    try {
      for (TraceAttribution a : rows) {
        attributionsEncoder.append(bytes, a);
      }
    } catch (RuntimeException e) {
      throw new RetryableException("cannot encode attributions: " + e.getMessage(), e);
    }
    return bytes;
  }

  private void insertAttributions(GrowableBytes rowBinary) throws RetryableException {
    try {
      insert("trace_attributions", rowBinary);
    } catch (ServerException e) {
      throw new RetryableException("ClickHouse refused attributions: " + e.getMessage(), e);
    }
  }

  /** Rows ClickHouse refused as a block for their data: halves until the culprits stand alone. */
  private int bisect(List<SpanCostRow> rows, ServerException refused) throws RetryableException {
    if (rows.size() == 1) {
      deadLetters.reject(rows.get(0), refused.getMessage());
      return 0;
    }
    int half = rows.size() / 2;
    return insertSpans(rows.subList(0, half)) + insertSpans(rows.subList(half, rows.size()));
  }

  /** Encodes and inserts rows on this thread; bisects when ClickHouse refuses them for their data. */
  private int insertSpans(List<SpanCostRow> rows) throws RetryableException {
    List<SpanCostRow> encoded = new ArrayList<>(rows.size());
    GrowableBytes bytes = encodeSpans(rows, encoded);
    if (encoded.isEmpty()) {
      return 0;
    }
    try {
      insert("spans", bytes);
      return encoded.size();
    } catch (ServerException e) {
      if (!DATA_ERRORS.contains(e.getCode())) {
        throw new RetryableException("ClickHouse refused the batch: " + e.getMessage(), e);
      }
      return bisect(encoded, e);
    }
  }

  private void insert(String table, GrowableBytes rowBinary) throws RetryableException {
    try {
      client.insert(database + "." + table, rowBinary.inputStream(),
              ClickHouseFormat.RowBinary, new InsertSettings())
          .get(60, TimeUnit.SECONDS)
          .close();
    } catch (ExecutionException e) {
      if (e.getCause() instanceof ServerException) {
        throw (ServerException) e.getCause();
      }
      throw new RetryableException("insert into " + table + " failed: " + e.getCause(), e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RetryableException("interrupted", e);
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
      throw new RetryableException("cannot describe " + database + "." + table + ": " + e.getMessage(), e);
    }
  }
}
