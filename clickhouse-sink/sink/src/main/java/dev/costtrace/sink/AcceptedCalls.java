package dev.costtrace.sink;

import dev.costtrace.sink.buffer.WriteAheadBuffer;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Accepted calls kept in memory, in log order, for the writer to take without reading the buffer
 * back (the buffer stays the record of what was acknowledged). Bounded: past the bound a call is
 * not kept, and the writer reads it from the buffer instead.
 */
final class AcceptedCalls {
  /** One accepted call and where its record is in the buffer. */
  record Call(
      WriteAheadBuffer.Position start,
      WriteAheadBuffer.Position end,
      List<SpanCostRow> spans,
      List<SpanAttribution> attributions,
      long acceptedAtEpochMillis) {
    int units() {
      return Math.max(1, spans.size());
    }
  }

  private final ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();
  private final AtomicLong rows = new AtomicLong();
  private final long maxRows;

  AcceptedCalls(long maxRows) {
    this.maxRows = maxRows;
  }

  /** Whether a call accepted now would be kept. */
  boolean hasRoom() {
    return rows.get() < maxRows;
  }

  /** Keeps a call; called in log order (under the buffer's lock, by its placement callback). */
  void add(Call call) {
    rows.addAndGet(call.spans().size() + 1);
    calls.add(call);
  }

  /**
   * The calls that follow {@code from} without a gap, durable, up to {@code batchSize} span rows;
   * an empty list when the call at {@code from} was not kept (or is not durable yet).
   */
  List<Call> from(
      WriteAheadBuffer.Position from, WriteAheadBuffer.Position durable, int batchSize) {
    List<Call> out = new java.util.ArrayList<>();
    WriteAheadBuffer.Position end = null;
    int spans = 0;
    for (Call c : calls) {
      if (end == null) {
        if (c.end().compareTo(from) <= 0) {
          continue; // taken already (in flight)
        }
        if (!c.start().equals(from)) {
          return List.of(); // the call at from was kept out of memory
        }
      } else if (!c.start().equals(end)) {
        break; // a call the bound kept out of memory
      }
      if (c.end().compareTo(durable) > 0 || spans >= batchSize) {
        break; // not durable yet, or a full batch
      }
      out.add(c);
      spans += c.spans().size();
      end = c.end();
    }
    return out;
  }

  /** Everything before {@code end} is in ClickHouse: those calls leave memory. */
  void releaseThrough(WriteAheadBuffer.Position end) {
    Call head;
    while ((head = calls.peek()) != null && head.end().compareTo(end) <= 0) {
      calls.poll();
      rows.addAndGet(-(head.spans().size() + 1));
    }
  }
}
