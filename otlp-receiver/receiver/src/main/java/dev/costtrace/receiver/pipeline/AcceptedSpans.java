package dev.costtrace.receiver.pipeline;

import dev.costtrace.sink.SpanAttribution;
import dev.costtrace.sink.SpanCostRow;
import io.opentelemetry.proto.trace.v1.Span;
import java.util.List;

/**
 * Told about the priced spans of an export once the sink has taken them (the receiver has
 * acknowledged them): budgets keep their per-conversation tally from it. Must be quick and never
 * throw; it runs on the export's worker thread.
 */
public interface AcceptedSpans {
  /**
   * {@code rows.get(i)} is the row of {@code spans.get(i)}; {@code attributions} are what spans of
   * this export newly said about their traces' conversation (tenant, user, feature), possibly for
   * rows accepted earlier (the conversation often arrives on the root span, after its LLM spans).
   */
  void accepted(List<SpanCostRow> rows, List<Span> spans, List<SpanAttribution> attributions);
}
