package dev.costtrace.pricing;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** Test helper: OTLP attributes and spans as emitters write them. */
public final class Attrs {
  private Attrs() {}

  /** Key/value pairs; values may be String, Long/Integer, Double or Boolean. */
  public static List<KeyValue> of(Object... keyValues) {
    List<KeyValue> out = new ArrayList<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      out.add(
          KeyValue.newBuilder()
              .setKey((String) keyValues[i])
              .setValue(value(keyValues[i + 1]))
              .build());
    }
    return out;
  }

  public static AnyValue value(Object v) {
    AnyValue.Builder b = AnyValue.newBuilder();
    if (v instanceof String) {
      b.setStringValue((String) v);
    } else if (v instanceof Integer || v instanceof Long) {
      b.setIntValue(((Number) v).longValue());
    } else if (v instanceof Double) {
      b.setDoubleValue((Double) v);
    } else if (v instanceof Boolean) {
      b.setBoolValue((Boolean) v);
    } else {
      throw new IllegalArgumentException("unsupported " + v);
    }
    return b.build();
  }

  public static Span span(String startIso, Object... keyValues) {
    Instant start = Instant.parse(startIso);
    long nanos = start.getEpochSecond() * 1_000_000_000L + start.getNano();
    return Span.newBuilder()
        .setName("chat")
        .setStartTimeUnixNano(nanos)
        .setEndTimeUnixNano(nanos + 1_000_000_000L)
        .addAllAttributes(of(keyValues))
        .build();
  }
}
