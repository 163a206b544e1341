package dev.costtrace.receiver.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.KnownLength;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The gRPC marshaller's parse from gRPC's stream into a reused buffer gives what {@code
 * ExportTraceServiceRequest.parseFrom(byte[])} gives, for valid and malformed bytes alike.
 */
class ParsedExportTest {
  /** A stream that knows its length, as gRPC's message streams do. */
  private static final class KnownLengthStream extends ByteArrayInputStream implements KnownLength {
    KnownLengthStream(byte[] bytes) {
      super(bytes);
    }
  }

  @Test
  void sameAsParsingTheByteArray() throws IOException {
    Random r = new Random(11);
    List<byte[]> inputs = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      byte[] valid = request(r, 1 + r.nextInt(40)).toByteArray();
      inputs.add(valid);
      inputs.add(Arrays.copyOf(valid, r.nextInt(valid.length))); // truncated
      byte[] flipped = valid.clone();
      flipped[r.nextInt(flipped.length)] ^= (byte) (1 + r.nextInt(255)); // corrupted
      inputs.add(flipped);
      byte[] garbage = new byte[r.nextInt(300)];
      r.nextBytes(garbage);
      inputs.add(garbage);
    }
    inputs.add(new byte[0]);
    inputs.add(new byte[] {0x0c}); // an end-group tag at the top level
    inputs.add(new byte[] {0x0a, 0x02, 0x0c, 0x00}); // an end-group tag inside a message
    for (byte[] in : inputs) {
      ExportTraceServiceRequest expected = null;
      String expectedProblem = null;
      try {
        expected = ExportTraceServiceRequest.parseFrom(in);
      } catch (InvalidProtocolBufferException e) {
        expectedProblem = e.getMessage();
      }
      // Twice on this thread: the second parse reuses the scratch buffer the first one left.
      for (int round = 0; round < 2; round++) {
        ParsedExport parsed = ParsedExport.parse(new KnownLengthStream(in));
        assertThat(parsed.request()).isEqualTo(expected);
        assertThat(parsed.malformed()).isEqualTo(expectedProblem);
        assertThat(parsed.bytes()).isEqualTo(in.length);
        ParsedExport unknownLength = ParsedExport.parse(new ByteArrayInputStream(in));
        assertThat(unknownLength.request()).isEqualTo(expected);
        assertThat(unknownLength.malformed()).isEqualTo(expectedProblem);
      }
    }
  }

  @Test
  void aReusedBufferLeavesNothingOfTheLastRequest() throws IOException {
    Random r = new Random(3);
    byte[] big = request(r, 200).toByteArray();
    byte[] small = request(r, 1).toByteArray();
    ParsedExport.parse(new KnownLengthStream(big));
    assertThat(ParsedExport.parse(new KnownLengthStream(small)).request())
        .isEqualTo(ExportTraceServiceRequest.parseFrom(small));
  }

  @Test
  void requestsAboveTheScratchSizeAreParsedToo() throws IOException {
    Random r = new Random(5);
    ExportTraceServiceRequest.Builder b = ExportTraceServiceRequest.newBuilder();
    while (b.build().getSerializedSize() <= ParsedExport.SCRATCH_BYTES) {
      b.addAllResourceSpans(request(r, 300).getResourceSpansList());
    }
    byte[] bytes = b.build().toByteArray();
    assertThat(ParsedExport.parse(new KnownLengthStream(bytes)).request()).isEqualTo(b.build());
  }

  static ExportTraceServiceRequest request(Random r, int spans) {
    ScopeSpans.Builder ss = ScopeSpans.newBuilder();
    for (int i = 0; i < spans; i++) {
      byte[] trace = new byte[16];
      byte[] span = new byte[8];
      r.nextBytes(trace);
      r.nextBytes(span);
      ss.addSpans(
          Span.newBuilder()
              .setTraceId(ByteString.copyFrom(trace))
              .setSpanId(ByteString.copyFrom(span))
              .setName("chat " + r.nextInt(9))
              .setStartTimeUnixNano(r.nextLong() >>> 1)
              .addAttributes(
                  KeyValue.newBuilder()
                      .setKey("gen_ai.request.model")
                      .setValue(AnyValue.newBuilder().setStringValue("gpt-" + r.nextInt(5))))
              .addAttributes(
                  KeyValue.newBuilder()
                      .setKey("gen_ai.usage.input_tokens")
                      .setValue(AnyValue.newBuilder().setIntValue(r.nextInt(9000)))));
    }
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(ResourceSpans.newBuilder().addScopeSpans(ss))
        .build();
  }
}
