package dev.costtrace.receiver.ingest;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.costtrace.receiver.otlp.OtlpJson;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;

/**
 * Coverage-guided fuzzing (Jazzer) of OTLP/JSON bytes → {@link OtlpJson} → validate, price,
 * attribute. The only acceptable outcomes are success or OtlpJson's clean rejection
 * (InvalidOtlpException → HTTP 400); see {@link OtlpProtobufFuzzTest}.
 */
class OtlpJsonFuzzTest {
  private final FuzzedPipeline pipeline = new FuzzedPipeline();

  @FuzzTest(maxDuration = "25s")
  void jsonRequestThroughThePipeline(byte[] body) throws Exception {
    ExportTraceServiceRequest request;
    try {
      request = OtlpJson.parseTraces(body); // as OtlpHttpHandler does
    } catch (OtlpJson.InvalidOtlpException e) {
      return;
    }
    pipeline.consume(request);
  }
}
