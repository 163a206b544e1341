package dev.costtrace.receiver.sampling;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.List;

/**
 * The adjusted count of a received span: how many spans like it it stands for, per the
 * OpenTelemetry probability sampling specification. 1 means the span was counted; above 1, it was
 * sampled with probability {@code 1 / count} and totals over many spans may be estimated from it.
 * In this order:
 *
 * <ol>
 *   <li>{@code costtrace.sampling.kept_for_cost=true} on the span, or {@code
 *       costtrace.sampling.keeps_genai_spans=true} on its resource: the CostTrace agent kept it
 *       whatever the trace's sampler decided, so it is 1 even if its trace state says otherwise.
 *   <li>The W3C {@code tracestate} entry {@code ot} with a rejection threshold {@code th:T} (1 to
 *       14 hex digits, zeros omitted at the right): probability {@code (2^56 - T) / 2^56}, count
 *       {@code 2^56 / (2^56 - T)}.
 *   <li>A {@code sampling.adjusted_count} attribute (a number at least 1), for emitters that state
 *       the count rather than a threshold.
 *   <li>Otherwise 1: an emitter that does not say it samples by probability is counted as sent.
 * </ol>
 *
 * <p>A malformed threshold or count says nothing usable: the span then counts 1 (its money is never
 * dropped, and nothing is extrapolated from a value we cannot read).
 */
public final class AdjustedCount {
  public static final String KEPT_FOR_COST = "costtrace.sampling.kept_for_cost";
  public static final String KEEPS_GENAI_SPANS = "costtrace.sampling.keeps_genai_spans";
  public static final String ADJUSTED_COUNT = "sampling.adjusted_count";

  /** Decimal places of a stored adjusted count (1/p is rarely a finite decimal). */
  public static final int SCALE = 12;

  public static final BigDecimal COUNTED = BigDecimal.ONE.setScale(SCALE);

  private static final int THRESHOLD_DIGITS = 14;
  private static final BigInteger TWO_TO_56 = BigInteger.ONE.shiftLeft(56);

  private AdjustedCount() {}

  /** The adjusted count of {@code span} sent with {@code resource}; never below 1. */
  public static BigDecimal of(List<KeyValue> resource, Span span) {
    List<KeyValue> attributes = span.getAttributesList();
    if (isTrue(attributes, KEPT_FOR_COST) || isTrue(resource, KEEPS_GENAI_SPANS)) {
      return COUNTED;
    }
    BigDecimal fromState = fromTraceState(span.getTraceState());
    if (fromState != null) {
      return fromState;
    }
    AnyValue stated = value(attributes, ADJUSTED_COUNT);
    return stated == null ? COUNTED : fromStatedCount(stated);
  }

  /**
   * The count a trace state's {@code ot=th:T} implies, or null when it has none (or a malformed
   * one).
   */
  static BigDecimal fromTraceState(String traceState) {
    if (traceState == null || traceState.isEmpty()) {
      return null;
    }
    for (String member : traceState.split(",")) {
      String m = member.trim();
      if (!m.startsWith("ot=")) {
        continue;
      }
      for (String field : m.substring(3).split(";")) {
        if (field.startsWith("th:")) {
          return fromThreshold(field.substring(3));
        }
      }
    }
    return null;
  }

  /** {@code 2^56 / (2^56 - T)} for the hex threshold {@code th}; null when malformed. */
  static BigDecimal fromThreshold(String th) {
    if (th.isEmpty() || th.length() > THRESHOLD_DIGITS) {
      return null;
    }
    for (int i = 0; i < th.length(); i++) {
      if (Character.digit(th.charAt(i), 16) < 0) {
        return null;
      }
    }
    StringBuilder padded = new StringBuilder(th);
    while (padded.length() < THRESHOLD_DIGITS) {
      padded.append('0');
    }
    BigInteger threshold = new BigInteger(padded.toString(), 16);
    BigInteger kept = TWO_TO_56.subtract(threshold);
    return new BigDecimal(TWO_TO_56).divide(new BigDecimal(kept), SCALE, RoundingMode.HALF_EVEN);
  }

  private static BigDecimal fromStatedCount(AnyValue v) {
    BigDecimal count;
    try {
      if (v.hasIntValue()) {
        count = BigDecimal.valueOf(v.getIntValue());
      } else if (v.hasDoubleValue() && Double.isFinite(v.getDoubleValue())) {
        count = BigDecimal.valueOf(v.getDoubleValue());
      } else if (v.hasStringValue()) {
        count = new BigDecimal(v.getStringValue().trim());
      } else {
        return COUNTED;
      }
    } catch (NumberFormatException e) {
      return COUNTED;
    }
    return count.compareTo(BigDecimal.ONE) < 0
        ? COUNTED
        : count.setScale(SCALE, RoundingMode.HALF_EVEN);
  }

  private static boolean isTrue(List<KeyValue> attributes, String key) {
    AnyValue v = value(attributes, key);
    return v != null
        && (v.getBoolValue() || (v.hasStringValue() && v.getStringValue().equals("true")));
  }

  private static AnyValue value(List<KeyValue> attributes, String key) {
    for (int i = 0, n = attributes.size(); i < n; i++) {
      KeyValue kv = attributes.get(i);
      if (kv.getKey().equals(key)) {
        return kv.getValue();
      }
    }
    return null;
  }
}
