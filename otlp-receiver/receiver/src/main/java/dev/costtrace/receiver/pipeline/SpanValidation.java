package dev.costtrace.receiver.pipeline;

import com.google.protobuf.ByteString;
import dev.costtrace.config.Config;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Why a span cannot be stored, or null: the checks OTLP receivers apply per span, and its times. A
 * start that is absent, before 2000 or beyond the allowed clock skew in the future would be stored
 * in a partition of its own (span rows are partitioned by day): one export of such spans could make
 * an insert touch more partitions than ClickHouse allows and stall the sink, and its cost would
 * land on a day nobody looks at. So it is refused here, alone, with its reason.
 */
public final class SpanValidation {
  /** 2000-01-01T00:00:00Z: no LLM call started before. */
  public static final long FLOOR_NANOS =
      Instant.parse("2000-01-01T00:00:00Z").getEpochSecond() * 1_000_000_000L;

  public static final Duration DEFAULT_MAX_FUTURE_SKEW = Duration.ofDays(1);
  public static final String MAX_FUTURE_SKEW_KEY = "costtrace.span.max.future.skew";

  private final long maxFutureSkewNanos;
  private final LongSupplier nowEpochNanos;

  /**
   * @param nowEpochNanos the wall clock, epoch nanoseconds (injected by tests)
   */
  public SpanValidation(Duration maxFutureSkew, LongSupplier nowEpochNanos) {
    if (maxFutureSkew.isNegative()) {
      throw new IllegalArgumentException("maxFutureSkew must not be negative");
    }
    this.maxFutureSkewNanos = maxFutureSkew.toNanos();
    this.nowEpochNanos = Objects.requireNonNull(nowEpochNanos, "nowEpochNanos");
  }

  public static SpanValidation defaults() {
    return new SpanValidation(DEFAULT_MAX_FUTURE_SKEW, SpanValidation::wallClockNanos);
  }

  /** {@value #MAX_FUTURE_SKEW_KEY} (default 1d); a bad value fails naming the key. */
  public static SpanValidation fromConfig(Config config) {
    Duration skew = config.getDuration(MAX_FUTURE_SKEW_KEY).orElse(DEFAULT_MAX_FUTURE_SKEW);
    try {
      return new SpanValidation(skew, SpanValidation::wallClockNanos);
    } catch (IllegalArgumentException e) {
      throw Config.invalid(
          MAX_FUTURE_SKEW_KEY, config.getString(MAX_FUTURE_SKEW_KEY).orElse(""), e.getMessage());
    }
  }

  private static long wallClockNanos() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000_000L + now.getNano();
  }

  /** Why a span is refused: a short reason to count by, and the detail naming the span. */
  record Problem(String reason, String detail) {}

  Problem problem(Span span) {
    String name = "span '" + span.getName() + "': ";
    if (span.getTraceId().size() != 16 || allZero(span.getTraceId())) {
      return new Problem("invalid trace_id", name + "trace_id must be 16 bytes, not all zero");
    }
    if (span.getSpanId().size() != 8 || allZero(span.getSpanId())) {
      return new Problem("invalid span_id", name + "span_id must be 8 bytes, not all zero");
    }
    if (!span.getParentSpanId().isEmpty() && span.getParentSpanId().size() != 8) {
      return new Problem(
          "invalid parent_span_id", name + "parent_span_id must be 8 bytes or empty");
    }
    // Unsigned in OTLP: a value past 2^63 is far in the future, not before 1970.
    long start = span.getStartTimeUnixNano();
    long end = span.getEndTimeUnixNano();
    if (start == 0) {
      return new Problem("start time absent", name + "start_time_unix_nano is 0 (absent)");
    }
    if (start > 0 && start < FLOOR_NANOS) {
      return new Problem(
          "start time before 2000",
          name + "start_time_unix_nano " + Long.toUnsignedString(start) + " is before 2000-01-01");
    }
    long latest = nowEpochNanos.getAsLong() + maxFutureSkewNanos;
    if (start < 0 || start > latest) {
      return new Problem(
          "start time in the future",
          name
              + "start_time_unix_nano "
              + Long.toUnsignedString(start)
              + " is more than "
              + Duration.ofNanos(maxFutureSkewNanos)
              + " ahead of the receiver's clock");
    }
    if (end != 0 && Long.compareUnsigned(end, start) < 0) {
      return new Problem("ends before it starts", name + "ends before it starts");
    }
    if (end < 0 || end > latest) {
      return new Problem(
          "end time in the future",
          name
              + "end_time_unix_nano "
              + Long.toUnsignedString(end)
              + " is more than "
              + Duration.ofNanos(maxFutureSkewNanos)
              + " ahead of the receiver's clock");
    }
    return null;
  }

  private static boolean allZero(ByteString b) {
    for (int i = 0; i < b.size(); i++) {
      if (b.byteAt(i) != 0) {
        return false;
      }
    }
    return true;
  }
}
