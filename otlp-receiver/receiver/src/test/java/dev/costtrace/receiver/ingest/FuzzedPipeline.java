package dev.costtrace.receiver.ingest;

import dev.costtrace.receiver.attribution.TraceAttributor;
import dev.costtrace.receiver.pipeline.BackPressureException;
import dev.costtrace.receiver.pipeline.ExportOutcome;
import dev.costtrace.receiver.pipeline.PricingPipeline;
import dev.costtrace.sink.SpanAttribution;
import dev.costtrace.sink.SpanCostRow;
import dev.costtrace.sink.SpanSink;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * What the receiver does between a decoded request and the sink (validate, price, attribute), with
 * an in-memory sink — the fuzz tests' only stand-in — and the invariants every outcome must keep.
 */
final class FuzzedPipeline {
  private static final Pattern TRACE_ID = Pattern.compile("[0-9a-f]{32}");
  private static final Pattern SPAN_ID = Pattern.compile("[0-9a-f]{16}");

  private final List<SpanCostRow> rows = new ArrayList<>();
  private final SpanSink memory =
      new SpanSink() {
        @Override
        public void accept(List<SpanCostRow> spans, List<SpanAttribution> attributions) {
          rows.addAll(spans);
        }

        @Override
        public void flush() {}

        @Override
        public void close() {}
      };
  private final PricingPipeline pipeline =
      PricingPipeline.builder(memory)
          .attributor(new TraceAttributor(Duration.ofSeconds(30), 1000))
          .build();

  /**
   * Consumes a decoded request and checks the outcome; throws AssertionError on a broken invariant.
   */
  void consume(ExportTraceServiceRequest request) throws BackPressureException {
    rows.clear();
    long spans =
        request.getResourceSpansList().stream()
            .flatMap(r -> r.getScopeSpansList().stream())
            .mapToLong(s -> s.getSpansCount())
            .sum();
    ExportOutcome outcome = pipeline.consume(request, null);
    check(
        outcome.rejectedSpans() >= 0 && outcome.rejectedSpans() <= spans,
        "rejected count " + outcome);
    check(rows.size() <= spans - outcome.rejectedSpans(), "more rows than accepted spans");
    check(
        (outcome.rejectedSpans() == 0) == outcome.errorMessage().isEmpty(),
        "message iff rejected: " + outcome);
    for (SpanCostRow row : rows) {
      check(TRACE_ID.matcher(row.traceId()).matches(), "trace ID " + row.traceId());
      check(SPAN_ID.matcher(row.spanId()).matches(), "span ID " + row.spanId());
      check(
          row.totalCost() != null && row.totalCost().signum() >= 0,
          "total cost " + row.totalCost());
    }
  }

  private static void check(boolean ok, String what) {
    if (!ok) {
      throw new AssertionError("pipeline invariant broken: " + what);
    }
  }
}
