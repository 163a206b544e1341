package dev.costtrace.bench.receiver;

import dev.costtrace.receiver.attribution.TraceAttributor;
import dev.costtrace.receiver.pipeline.PricingPipeline;
import dev.costtrace.sink.SpanAttribution;
import dev.costtrace.sink.SpanCostRow;
import dev.costtrace.sink.SpanSink;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * What the pricing pipeline hands a sink for some payloads, call by call: the span rows and the
 * attribution observations of each request.
 */
record PricedCalls(List<List<SpanCostRow>> spans, List<List<SpanAttribution>> attributions) {

  static PricedCalls of(List<byte[]> payloads) throws Exception {
    PricedCalls out = new PricedCalls(new ArrayList<>(), new ArrayList<>());
    SpanSink collecting =
        new SpanSink() {
          @Override
          public void accept(List<SpanCostRow> spans, List<SpanAttribution> attributions) {
            out.spans.add(spans);
            out.attributions.add(attributions);
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    PricingPipeline pipeline =
        PricingPipeline.builder(collecting)
            .attributor(new TraceAttributor(Duration.ofSeconds(30), 100_000))
            .build();
    for (byte[] b : payloads) {
      pipeline.consume(ExportTraceServiceRequest.parseFrom(b), null);
    }
    return out;
  }

  /** Hands every call to the sink, in order. */
  void acceptInto(SpanSink sink) throws Exception {
    for (int i = 0; i < spans.size(); i++) {
      sink.accept(spans.get(i), attributions.get(i));
    }
  }

  long spanRows() {
    return spans.stream().mapToLong(List::size).sum();
  }
}
