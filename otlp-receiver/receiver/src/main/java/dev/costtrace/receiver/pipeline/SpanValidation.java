package dev.costtrace.receiver.pipeline;

import com.google.protobuf.ByteString;
import io.opentelemetry.proto.trace.v1.Span;

/** Why a span cannot be stored, or null: the checks OTLP receivers apply per span. */
final class SpanValidation {
  private SpanValidation() {}

  static String problem(Span span) {
    if (span.getTraceId().size() != 16 || allZero(span.getTraceId())) {
      return "span '" + span.getName() + "': trace_id must be 16 bytes, not all zero";
    }
    if (span.getSpanId().size() != 8 || allZero(span.getSpanId())) {
      return "span '" + span.getName() + "': span_id must be 8 bytes, not all zero";
    }
    if (!span.getParentSpanId().isEmpty() && span.getParentSpanId().size() != 8) {
      return "span '" + span.getName() + "': parent_span_id must be 8 bytes or empty";
    }
    if (span.getEndTimeUnixNano() != 0 && span.getEndTimeUnixNano() < span.getStartTimeUnixNano()) {
      return "span '" + span.getName() + "': ends before it starts";
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
