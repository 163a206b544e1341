package dev.costtrace.receiver.otlp;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.util.JsonFormat;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HexFormat;

/**
 * Parses OTLP/JSON trace requests with protobuf's own JSON support. OTLP/JSON differs from the
 * standard protobuf JSON mapping in one way that matters here: trace and span IDs are hex strings,
 * not base64. Protobuf's parser reads a 32-character hex trace ID as base64 (hex digits are base64
 * characters), giving 24 bytes; re-encoding those bytes as base64 restores the exact hex text,
 * which is then decoded as hex. IDs already of the binary length (base64 from a non-conforming
 * emitter) are kept. Unknown fields are ignored, as the OTLP spec asks of receivers.
 */
public final class OtlpJson {
  private static final JsonFormat.Parser PARSER = JsonFormat.parser().ignoringUnknownFields();
  private static final HexFormat HEX = HexFormat.of();

  private OtlpJson() {}

  /**
   * Parses one ExportTraceServiceRequest from UTF-8 bytes, as OTLP/HTTP carries it; bytes that are
   * not UTF-8 are rejected rather than replaced, and an empty body is the empty request.
   *
   * @throws InvalidOtlpException naming the field when the JSON, its encoding or an ID is malformed
   */
  public static ExportTraceServiceRequest parseTraces(byte[] utf8) {
    try {
      return parseTraces(
          StandardCharsets.UTF_8
              .newDecoder()
              .onMalformedInput(CodingErrorAction.REPORT)
              .onUnmappableCharacter(CodingErrorAction.REPORT)
              .decode(ByteBuffer.wrap(utf8))
              .toString());
    } catch (CharacterCodingException e) {
      throw new InvalidOtlpException("the body is not valid UTF-8: " + e.getMessage());
    }
  }

  /**
   * Parses one ExportTraceServiceRequest; blank text is the empty request.
   *
   * @throws InvalidOtlpException naming the field when the JSON or an ID is malformed
   */
  public static ExportTraceServiceRequest parseTraces(String json) {
    ExportTraceServiceRequest.Builder b = ExportTraceServiceRequest.newBuilder();
    if (json.isBlank()) {
      return b.build();
    }
    try {
      PARSER.merge(json, b);
    } catch (InvalidProtocolBufferException e) {
      throw new InvalidOtlpException(e.getMessage());
    } catch (RuntimeException e) {
      // protobuf-java-util surfaces some malformed input as unchecked exceptions
      throw new InvalidOtlpException("malformed OTLP/JSON: " + e.getMessage());
    }
    for (int r = 0; r < b.getResourceSpansCount(); r++) {
      ResourceSpans.Builder rs = b.getResourceSpansBuilder(r);
      for (int s = 0; s < rs.getScopeSpansCount(); s++) {
        ScopeSpans.Builder ss = rs.getScopeSpansBuilder(s);
        for (int i = 0; i < ss.getSpansCount(); i++) {
          String path = "resourceSpans[" + r + "].scopeSpans[" + s + "].spans[" + i + "]";
          Span.Builder span = ss.getSpansBuilder(i);
          span.setTraceId(id(span.getTraceId(), 16, path + ".traceId"));
          span.setSpanId(id(span.getSpanId(), 8, path + ".spanId"));
          span.setParentSpanId(id(span.getParentSpanId(), 8, path + ".parentSpanId"));
          for (int l = 0; l < span.getLinksCount(); l++) {
            Span.Link.Builder link = span.getLinksBuilder(l);
            link.setTraceId(id(link.getTraceId(), 16, path + ".links[" + l + "].traceId"));
            link.setSpanId(id(link.getSpanId(), 8, path + ".links[" + l + "].spanId"));
          }
        }
      }
    }
    return b.build();
  }

  private static ByteString id(ByteString parsed, int binaryLength, String field) {
    int size = parsed.size();
    if (size == 0 || size == binaryLength) {
      return parsed;
    }
    if (size == binaryLength * 3 / 2) {
      String hex = Base64.getEncoder().encodeToString(parsed.toByteArray());
      try {
        return ByteString.copyFrom(HEX.parseHex(hex));
      } catch (IllegalArgumentException e) {
        throw new InvalidOtlpException(field + ": '" + hex + "' is not hex");
      }
    }
    throw new InvalidOtlpException(field + ": expected " + binaryLength * 2 + " hex characters");
  }

  private static final byte[] HEX_DIGITS = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

  /**
   * Lower-case hex of an ID, as OTLP/JSON and ClickHouse store it. Formats straight from the
   * ByteString (HexFormat would need a copy of its bytes first): two to three IDs per stored span.
   */
  public static String hex(ByteString id) {
    int n = id.size();
    byte[] out = new byte[n * 2];
    for (int i = 0; i < n; i++) {
      int b = id.byteAt(i) & 0xff;
      out[2 * i] = HEX_DIGITS[b >>> 4];
      out[2 * i + 1] = HEX_DIGITS[b & 0xf];
    }
    return new String(out, StandardCharsets.ISO_8859_1);
  }

  /** Malformed OTLP/JSON; the message names the field. */
  public static final class InvalidOtlpException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public InvalidOtlpException(String message) {
      super(message);
    }
  }
}
