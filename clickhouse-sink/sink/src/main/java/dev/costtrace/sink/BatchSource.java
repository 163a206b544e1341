package dev.costtrace.sink;

import dev.costtrace.sink.buffer.RowCodec;
import dev.costtrace.sink.buffer.WriteAheadBuffer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * Assembles the writer's next batch from a position in the buffer: from the calls kept in memory
 * when they are all there, else read back from the buffer (past the in-memory bound, and after a
 * restart). Writer thread only.
 */
final class BatchSource {
  /**
   * Calls taken for one batch, up to {@code end} in the buffer; {@code units} for the due count;
   * when each call was accepted (epoch milliseconds, 0 when unknown).
   */
  record Batch(
      WriteAheadBuffer.Position end,
      List<SpanCostRow> spans,
      List<SpanAttribution> attributions,
      int units,
      boolean fromMemory,
      long[] acceptedAt) {}

  private final WriteAheadBuffer buffer;
  private final AcceptedCalls memory;
  private final int batchSize;

  BatchSource(WriteAheadBuffer buffer, AcceptedCalls memory, int batchSize) {
    this.buffer = buffer;
    this.memory = memory;
    this.batchSize = batchSize;
  }

  /** The next batch from {@code from}, or null when nothing durable follows it. */
  Batch next(WriteAheadBuffer.Position from) throws IOException {
    memory.releaseThrough(buffer.committed()); // read back from the buffer and committed meanwhile
    List<AcceptedCalls.Call> calls = memory.from(from, buffer.writePosition(), batchSize);
    if (!calls.isEmpty()) {
      List<SpanCostRow> spans = new ArrayList<>();
      List<SpanAttribution> attributions = new ArrayList<>();
      int units = 0;
      long[] acceptedAt = new long[calls.size()];
      for (int i = 0; i < calls.size(); i++) {
        AcceptedCalls.Call c = calls.get(i);
        spans.addAll(c.spans());
        attributions.addAll(c.attributions());
        units += c.units();
        acceptedAt[i] = c.acceptedAtEpochMillis();
      }
      return new Batch(
          calls.get(calls.size() - 1).end(), spans, attributions, units, true, acceptedAt);
    }
    return fromBuffer(from);
  }

  private Batch fromBuffer(WriteAheadBuffer.Position from) throws IOException {
    // About one batch worth of records (a span row is ~0.5 KB in the buffer): reading more would be
    // re-read and re-checksummed by the next batch.
    long readBytes = Math.min(64L << 20, Math.max(64L << 10, batchSize * 768L));
    // A record that cannot be read or decoded is set aside by the buffer, never retried for ever.
    List<WriteAheadBuffer.Decoded<RowCodec.Entry>> records =
        buffer.read(from, readBytes, RowCodec::decode);
    if (records.isEmpty()) {
      return null;
    }
    List<SpanCostRow> spans = new ArrayList<>();
    List<SpanAttribution> attributions = new ArrayList<>();
    WriteAheadBuffer.Position end = null;
    int units = 0;
    long[] acceptedAt = new long[records.size()];
    int calls = 0;
    for (WriteAheadBuffer.Decoded<RowCodec.Entry> r : records) {
      RowCodec.Entry e = r.value();
      spans.addAll(e.spans());
      attributions.addAll(e.attributions());
      units += Math.max(1, e.spans().size());
      acceptedAt[calls++] = e.acceptedAtEpochMillis();
      end = r.end();
      if (spans.size() >= batchSize) {
        break;
      }
    }
    return new Batch(
        end, spans, attributions, units, false, java.util.Arrays.copyOf(acceptedAt, calls));
  }
}
