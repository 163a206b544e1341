package dev.costtrace.receiver.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import org.junit.jupiter.api.Test;

/** Each emitter's time-to-first-token attribute reaches the sink's column in nanoseconds. */
class TimeToFirstTokenTest {
  static Span with(String key, AnyValue value) {
    return Span.newBuilder()
        .addAttributes(KeyValue.newBuilder().setKey(key).setValue(value))
        .build();
  }

  @Test
  void readsTheAgentsNanosAndOthersSeconds() {
    assertThat(
            PricingPipeline.timeToFirstTokenNanos(
                with(
                    "costtrace.gen_ai.time_to_first_token_ns",
                    AnyValue.newBuilder().setIntValue(412_000_000L).build())))
        .isEqualTo(412_000_000L);
    assertThat(
            PricingPipeline.timeToFirstTokenNanos(
                with(
                    "gen_ai.server.time_to_first_token",
                    AnyValue.newBuilder().setDoubleValue(0.25).build())))
        .isEqualTo(250_000_000L);
    assertThat(
            PricingPipeline.timeToFirstTokenNanos(
                with(
                    "gen_ai.response.time_to_first_chunk",
                    AnyValue.newBuilder().setStringValue("1.5").build())))
        .isEqualTo(1_500_000_000L);
    assertThat(
            PricingPipeline.timeToFirstTokenNanos(
                with(
                    "gen_ai.server.time_to_first_token",
                    AnyValue.newBuilder().setDoubleValue(-1).build())))
        .isEqualTo(-1);
    assertThat(PricingPipeline.timeToFirstTokenNanos(Span.getDefaultInstance())).isEqualTo(-1);
  }
}
