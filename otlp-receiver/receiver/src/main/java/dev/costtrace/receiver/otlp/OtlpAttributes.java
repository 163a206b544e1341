package dev.costtrace.receiver.otlp;

import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.List;

/** Reads OTLP attribute lists. */
public final class OtlpAttributes {
  private OtlpAttributes() {}

  /** The value of {@code key} as text (strings as they are, integers in decimal), or empty. */
  public static String string(List<KeyValue> attributes, String key) {
    for (int i = 0, n = attributes.size(); i < n; i++) {
      KeyValue kv = attributes.get(i);
      if (kv.getKey().equals(key)) {
        return text(kv.getValue());
      }
    }
    return "";
  }

  /** A value as a number (double, integer or numeric string), or {@code NaN}. */
  public static double number(AnyValue v) {
    if (v.hasDoubleValue()) {
      return v.getDoubleValue();
    }
    if (v.hasIntValue()) {
      return v.getIntValue();
    }
    if (v.hasStringValue()) {
      try {
        return Double.parseDouble(v.getStringValue());
      } catch (NumberFormatException e) {
        return Double.NaN;
      }
    }
    return Double.NaN;
  }

  /** A value as text: strings as they are, integers in decimal, anything else empty. */
  public static String text(AnyValue v) {
    return v.hasStringValue()
        ? v.getStringValue()
        : v.hasIntValue() ? Long.toString(v.getIntValue()) : "";
  }
}
