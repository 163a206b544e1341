package dev.costtrace.receiver.sampling;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.Test;

class AdjustedCountTest {
  private static KeyValue kv(String key, AnyValue value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }

  private static AnyValue bool(boolean b) {
    return AnyValue.newBuilder().setBoolValue(b).build();
  }

  private static Span span(String traceState, KeyValue... attributes) {
    return Span.newBuilder()
        .setName("chat gpt-4o-mini")
        .setTraceState(traceState)
        .addAllAttributes(List.of(attributes))
        .build();
  }

  @Test
  void thresholdsOfTheProbabilitySamplingSpec() {
    // The spec's examples: th:0 keeps everything, th:8 half, th:c a quarter, th:fd70a3d70a3d71 1 %.
    assertThat(AdjustedCount.fromTraceState("ot=th:0")).isEqualByComparingTo("1");
    assertThat(AdjustedCount.fromTraceState("ot=th:8")).isEqualByComparingTo("2");
    assertThat(AdjustedCount.fromTraceState("ot=th:c")).isEqualByComparingTo("4");
    assertThat(AdjustedCount.fromTraceState("ot=th:fd70a3d70a3d71"))
        .isEqualByComparingTo("100.000000000000");
    // 10 %, as the Collector's probabilistic sampler writes it, among other vendors' entries.
    assertThat(AdjustedCount.fromTraceState("vendor=x,ot=rv:0123456789abcd;th:e666666666667,b=y"))
        .isEqualByComparingTo("10.000000000000");
  }

  @Test
  void noOrMalformedThresholdSaysNothing() {
    assertThat(AdjustedCount.fromTraceState("")).isNull();
    assertThat(AdjustedCount.fromTraceState("ot=rv:0123456789abcd")).isNull();
    assertThat(AdjustedCount.fromTraceState("ot=th:xyz")).isNull();
    assertThat(AdjustedCount.fromTraceState("ot=th:")).isNull();
    assertThat(AdjustedCount.fromTraceState("ot=th:123456789abcdef")).isNull(); // 15 digits
    assertThat(AdjustedCount.of(List.of(), span("ot=th:zz"))).isEqualTo(AdjustedCount.COUNTED);
  }

  @Test
  void spansKeptByTheAgentAreCountedWhateverTheirTraceStateSays() {
    assertThat(
            AdjustedCount.of(
                List.of(),
                span("ot=th:e666666666667", kv(AdjustedCount.KEPT_FOR_COST, bool(true)))))
        .isEqualTo(AdjustedCount.COUNTED);
    // A gen_ai span of a sampled trace from an agent that keeps them all: counted too.
    assertThat(
            AdjustedCount.of(
                List.of(kv(AdjustedCount.KEEPS_GENAI_SPANS, bool(true))),
                span("ot=th:e666666666667")))
        .isEqualTo(AdjustedCount.COUNTED);
    assertThat(
            AdjustedCount.of(
                List.of(kv(AdjustedCount.KEEPS_GENAI_SPANS, bool(false))), span("ot=th:8")))
        .isEqualByComparingTo("2");
  }

  @Test
  void aStatedAdjustedCountIsUsedWhenThereIsNoThreshold() {
    assertThat(
            AdjustedCount.of(
                List.of(),
                span(
                    "",
                    kv(
                        AdjustedCount.ADJUSTED_COUNT,
                        AnyValue.newBuilder().setIntValue(20).build()))))
        .isEqualByComparingTo("20");
    assertThat(
            AdjustedCount.of(
                List.of(),
                span(
                    "",
                    kv(
                        AdjustedCount.ADJUSTED_COUNT,
                        AnyValue.newBuilder().setDoubleValue(2.5).build()))))
        .isEqualByComparingTo("2.5");
    // Below 1 or unreadable: counted as sent.
    assertThat(
            AdjustedCount.of(
                List.of(),
                span(
                    "",
                    kv(
                        AdjustedCount.ADJUSTED_COUNT,
                        AnyValue.newBuilder().setDoubleValue(0.5).build()))))
        .isEqualTo(AdjustedCount.COUNTED);
    assertThat(
            AdjustedCount.of(
                List.of(),
                span(
                    "",
                    kv(
                        AdjustedCount.ADJUSTED_COUNT,
                        AnyValue.newBuilder().setStringValue("many").build()))))
        .isEqualTo(AdjustedCount.COUNTED);
    // The threshold wins over a stated count.
    assertThat(
            AdjustedCount.of(
                List.of(),
                span(
                    "ot=th:8",
                    kv(
                        AdjustedCount.ADJUSTED_COUNT,
                        AnyValue.newBuilder().setIntValue(20).build()))))
        .isEqualByComparingTo("2");
  }

  @Test
  void anEmitterThatDoesNotSayItSamplesIsCounted() {
    assertThat(AdjustedCount.of(List.of(), span(""))).isEqualTo(AdjustedCount.COUNTED);
    assertThat(AdjustedCount.COUNTED).isEqualByComparingTo(BigDecimal.ONE);
  }
}
