package dev.costtrace.bench.receiver;

import dev.costtrace.sink.SpanAttribution;
import dev.costtrace.sink.SpanCostRow;
import dev.costtrace.sink.SpanSink;
import java.util.List;

/**
 * The sink stand-in for the in-process phase: takes and drops, so only the receiver is measured.
 */
final class DiscardingSink implements SpanSink {
  @Override
  public void accept(List<SpanCostRow> spans, List<SpanAttribution> attributions) {}

  @Override
  public void flush() {}

  @Override
  public void close() {}
}
