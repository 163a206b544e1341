package dev.costtrace.receiver.pipeline;

import dev.costtrace.sink.SpanCostRow;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.List;

/**
 * Told about the priced spans of an export once the sink has taken them (the receiver has
 * acknowledged them): budgets keep their per-conversation tally from it. Must be quick and never
 * throw; it runs on the export's worker thread.
 */
public interface AcceptedSpans {
  /** {@code rows.get(i)} is the row of {@code spans.get(i)}. */
  void accepted(List<SpanCostRow> rows, List<Span> spans);
}
