package dev.costtrace.receiver.ingest;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.google.protobuf.InvalidProtocolBufferException;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

/**
 * Coverage-guided fuzzing (Jazzer) of OTLP/protobuf bytes → decode → validate, price, attribute.
 * The only acceptable outcomes are success or the receiver's clean rejection
 * (InvalidProtocolBufferException → HTTP 400 / gRPC INVALID_ARGUMENT); anything else — another
 * exception, a StackOverflowError, a broken invariant — is a finding. Without JAZZER_FUZZ the seeds
 * under {@code src/test/resources/.../OtlpProtobufFuzzTestInputs} (and any kept findings) are
 * replayed; the {@code fuzz} surefire execution fuzzes for {@code maxDuration}.
 */
class OtlpProtobufFuzzTest {
  private final FuzzedPipeline pipeline = new FuzzedPipeline();

  @FuzzTest(maxDuration = "25s")
  void protobufRequestThroughThePipeline(byte[] body) throws Exception {
    ExportTraceServiceRequest request;
    try {
      request =
          ExportTraceServiceRequest.parseFrom(body); // as OtlpHttpHandler and OtlpGrpcService do
    } catch (InvalidProtocolBufferException e) {
      return;
    }
    pipeline.consume(request);
  }
}
