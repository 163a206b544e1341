package dev.costtrace.receiver.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.costtrace.config.Config;
import dev.costtrace.config.ConfigException;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The allowed clock skew is a setting; the floor and absent times are not. */
class SpanValidationTest {
  static final long NOW = 1_767_225_600_000_000_000L; // 2026-01-01T00:00:00Z
  static final long MINUTE = 60_000_000_000L;

  static Span span(long start, long end) {
    return Span.newBuilder()
        .setName("s")
        .setTraceId(
            ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16}))
        .setSpanId(ByteString.copyFrom(new byte[] {1, 2, 3, 4, 5, 6, 7, 8}))
        .setStartTimeUnixNano(start)
        .setEndTimeUnixNano(end)
        .build();
  }

  @Test
  void theFutureSkewIsConfigurable() {
    SpanValidation oneHour = new SpanValidation(Duration.ofHours(1), () -> NOW);
    assertThat(oneHour.problem(span(NOW + 59 * MINUTE, NOW + 59 * MINUTE))).isNull();
    assertThat(oneHour.problem(span(NOW + 61 * MINUTE, NOW + 61 * MINUTE)).reason())
        .isEqualTo("start time in the future");
    assertThat(oneHour.problem(span(NOW, NOW + 61 * MINUTE)).reason())
        .isEqualTo("end time in the future");
    assertThat(oneHour.problem(span(NOW, 0))).as("an absent end is allowed").isNull();
    assertThat(oneHour.problem(span(SpanValidation.FLOOR_NANOS, SpanValidation.FLOOR_NANOS)))
        .isNull();
    assertThat(oneHour.problem(span(SpanValidation.FLOOR_NANOS - 1, NOW)).reason())
        .isEqualTo("start time before 2000");
    SpanValidation fromConfig =
        SpanValidation.fromConfig(Config.of(Map.of(SpanValidation.MAX_FUTURE_SKEW_KEY, "2d")));
    assertThat(
            fromConfig.problem(span(System.currentTimeMillis() * 1_000_000L + 36 * 60 * MINUTE, 0)))
        .isNull();
  }

  @Test
  void aBadSkewFailsNamingTheKey() {
    assertThatThrownBy(
            () ->
                SpanValidation.fromConfig(
                    Config.of(Map.of(SpanValidation.MAX_FUTURE_SKEW_KEY, "soon"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("costtrace.span.max.future.skew");
  }
}
