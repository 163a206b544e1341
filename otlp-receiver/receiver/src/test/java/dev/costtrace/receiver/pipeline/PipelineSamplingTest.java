package dev.costtrace.receiver.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.costtrace.receiver.attribution.TraceAttributor;
import dev.costtrace.receiver.pipeline.PipelineAttributionTest.RecordingSink;
import dev.costtrace.sink.SpanColumns;
import dev.costtrace.sink.SpanCostRow;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.resource.v1.Resource;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * Each stored row says how many spans it stands for (the {@code adjusted_count} column), and its
 * cost stays the one call's: a probability-sampled span counts 1/p, a span the CostTrace agent kept
 * for its cost counts 1 whatever its trace state says, anything else 1.
 */
class PipelineSamplingTest {
  private static final long T0 = 1_767_225_600_000_000_000L;

  private static KeyValue kv(String key, AnyValue value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }

  private static KeyValue kv(String key, String value) {
    return kv(key, AnyValue.newBuilder().setStringValue(value).build());
  }

  private static KeyValue kv(String key, long value) {
    return kv(key, AnyValue.newBuilder().setIntValue(value).build());
  }

  private static Span llm(int id, String traceState, KeyValue... more) {
    return Span.newBuilder()
        .setTraceId(ByteString.copyFrom(HexFormat.of().parseHex(String.format("%032x", id))))
        .setSpanId(ByteString.copyFrom(HexFormat.of().parseHex(String.format("%016x", id))))
        .setTraceState(traceState)
        .setName("chat gpt-4o-mini")
        .setStartTimeUnixNano(T0)
        .setEndTimeUnixNano(T0 + 1_000_000)
        .addAllAttributes(
            List.of(
                kv("gen_ai.provider.name", "openai"),
                kv("gen_ai.operation.name", "chat"),
                kv("gen_ai.request.model", "gpt-4o-mini"),
                kv("gen_ai.usage.input_tokens", 1000),
                kv("gen_ai.usage.output_tokens", 100)))
        .addAllAttributes(List.of(more))
        .build();
  }

  private static ResourceSpans resource(List<KeyValue> attributes, Span... spans) {
    return ResourceSpans.newBuilder()
        .setResource(Resource.newBuilder().addAllAttributes(attributes))
        .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(List.of(spans)))
        .build();
  }

  @Test
  void everyRowSaysHowManySpansItStandsFor() throws Exception {
    RecordingSink sink = new RecordingSink();
    PricingPipeline pipeline =
        PricingPipeline.builder(sink)
            .attributor(new TraceAttributor(Duration.ofSeconds(30), 1000))
            .build();
    KeyValue keptForCost =
        kv("costtrace.sampling.kept_for_cost", AnyValue.newBuilder().setBoolValue(true).build());
    KeyValue keepsGenAi =
        kv(
            "costtrace.sampling.keeps_genai_spans",
            AnyValue.newBuilder().setBoolValue(true).build());
    pipeline.consume(
        ExportTraceServiceRequest.newBuilder()
            .addResourceSpans(
                resource(
                    List.of(kv("service.name", "plain")),
                    llm(1, ""), // counted as sent
                    llm(2, "ot=th:8"), // kept with probability 1/2
                    llm(3, "vendor=x,ot=rv:0123456789abcd;th:c"), // probability 1/4
                    llm(4, "ot=th:8", keptForCost), // the agent kept it whatever the sampler said
                    llm(5, "", kv("sampling.adjusted_count", 10)),
                    llm(6, "ot=th:zz"))) // malformed: counted, never extrapolated
            .addResourceSpans(
                resource(List.of(kv("service.name", "agent"), keepsGenAi), llm(7, "ot=th:8")))
            .build(),
        null);

    Map<String, SpanCostRow> bySpan =
        sink.rows.stream()
            .collect(Collectors.toMap(r -> r.get(SpanColumns.SPAN_ID), Function.identity()));
    assertThat(bySpan).hasSize(7);
    Map<Integer, String> expected = Map.of(1, "1", 2, "2", 3, "4", 4, "1", 5, "10", 6, "1", 7, "1");
    BigDecimal oneCall = bySpan.get(String.format("%016x", 1)).get(SpanColumns.TOTAL_COST);
    assertThat(oneCall).isPositive();
    expected.forEach(
        (id, count) -> {
          SpanCostRow row = bySpan.get(String.format("%016x", id));
          assertThat(row.get(SpanColumns.ADJUSTED_COUNT))
              .as("span %d", id)
              .isEqualByComparingTo(new BigDecimal(count));
          // Counted money is the call's own cost, whatever it stands for.
          assertThat(row.get(SpanColumns.TOTAL_COST))
              .as("span %d", id)
              .isEqualByComparingTo(oneCall);
        });
  }
}
