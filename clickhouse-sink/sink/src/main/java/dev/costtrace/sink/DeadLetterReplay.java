package dev.costtrace.sink;

import com.clickhouse.client.api.Client;
import dev.costtrace.sink.buffer.RowCodec;
import dev.costtrace.sink.engine.ClickHouseTimeouts;
import dev.costtrace.sink.schema.SchemaOptions;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;

/**
 * Inserts dead letters again ({@code costtrace dead-letter replay}), through the writer the sink
 * uses: span rows and observations by their keys (a row stored twice collapses, so a replay run
 * twice, or a row ClickHouse had after all, counts once), then the rollups of every trace they
 * touch, recomputed from what is stored. Rows still refused are split out as in the sink and kept
 * with their new reason; the rest leave the file. A file is rewritten only after its rows and
 * rollups are in: a replay stopped anywhere leaves its entries, and the next one writes them again.
 */
public final class DeadLetterReplay {
  private static final int CHUNK = 5_000;

  private final Client client;
  private final SchemaOptions schema;
  private final ClickHouseTimeouts timeouts;

  public DeadLetterReplay(Client client, SchemaOptions schema, ClickHouseTimeouts timeouts) {
    this.client = client;
    this.schema = schema;
    this.timeouts = timeouts;
  }

  /**
   * What one file's replay did.
   *
   * @param replayed entries inserted again (span rows and observations)
   * @param stillFailing entries ClickHouse still refuses, per reason; they stay in the file
   * @param unreadable lines that could not be read; dropped from the file
   * @param error why the file was left as it was (ClickHouse unreachable, …), or null
   */
  public record FileResult(
      Path file, int replayed, Map<String, Integer> stillFailing, int unreadable, String error) {
    public int failing() {
      return stillFailing.values().stream().mapToInt(Integer::intValue).sum();
    }
  }

  /** Replays every dead letter in the directory, oldest file first. */
  public List<FileResult> replay(Path dir) throws IOException {
    DeadLetterStore store = new DeadLetterStore(dir);
    List<FileResult> results = new ArrayList<>();
    for (Path file : store.closeCurrent()) {
      FileResult r = replayFile(store, file);
      results.add(r);
      if (r.error() != null) {
        break; // ClickHouse cannot take writes now: the next files would fail alike
      }
    }
    return results;
  }

  private FileResult replayFile(DeadLetterStore store, Path file) throws IOException {
    DeadLetterStore.FileEntries read = DeadLetterStore.read(file);
    Collected still = new Collected();
    int replayed = 0;
    int unreadable = read.unreadable();
    List<SpanCostRow> spans = new ArrayList<>();
    List<SpanAttribution> observations = new ArrayList<>();
    ClickHouseWriter writer =
        new ClickHouseWriter(
            client,
            schema,
            still,
            CHUNK * 2,
            timeouts,
            ClickHouseSink.Builder.DEFAULT_CONVERSATIONS_BY_KEY_FROM_ROWS);
    try {
      for (DeadLetterStore.Entry e : read.entries()) {
        if (e.record() == null) {
          unreadable++; // a summary line of an older version: nothing to insert
          continue;
        }
        RowCodec.Entry decoded;
        try {
          decoded = RowCodec.decode(e.record());
        } catch (IOException | RuntimeException ex) {
          unreadable++;
          continue;
        }
        spans.addAll(decoded.spans());
        observations.addAll(decoded.attributions());
        if (spans.size() + observations.size() >= CHUNK) {
          replayed += write(writer, spans, observations);
        }
      }
      replayed += write(writer, spans, observations);
    } catch (ClickHouseWriter.RetryableException e) {
      return new FileResult(file, 0, Map.of(), read.unreadable(), e.getMessage());
    } finally {
      writer.close();
    }
    store.rewrite(file, still.lines);
    return new FileResult(file, replayed - still.lines.size(), still.reasons, unreadable, null);
  }

  /**
   * Inserts a chunk and recomputes its traces; every refusal that may be the rows' own is split.
   */
  private static int write(
      ClickHouseWriter writer, List<SpanCostRow> spans, List<SpanAttribution> observations)
      throws ClickHouseWriter.RetryableException {
    if (spans.isEmpty() && observations.isEmpty()) {
      return 0;
    }
    int n = spans.size() + observations.size();
    ClickHouseWriter.Prepared p =
        writer.prepare(List.copyOf(spans), List.copyOf(observations), true);
    Future<ClickHouseWriter.Sent> sent = writer.send(p, p.touched);
    writer.finish(p, p.touched, sent);
    spans.clear();
    observations.clear();
    return n;
  }

  /** What is still refused: kept as new dead letters, with the reason ClickHouse gives now. */
  private static final class Collected implements ClickHouseWriter.DeadLetters {
    final List<String> lines = new ArrayList<>();
    final Map<String, Integer> reasons = new LinkedHashMap<>();

    @Override
    public void reject(SpanCostRow row, String reason) {
      lines.add(DeadLetterStore.line(row, reason, Instant.now()));
      reasons.merge(DeadLetterList.shortReason(reason), 1, Integer::sum);
    }

    @Override
    public void reject(SpanAttribution a, String reason) {
      lines.add(DeadLetterStore.line(a, reason, Instant.now()));
      reasons.merge(DeadLetterList.shortReason(reason), 1, Integer::sum);
    }
  }
}
