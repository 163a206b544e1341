package dev.costtrace.receiver.ingest;

import dev.costtrace.receiver.pipeline.BackPressureException;
import dev.costtrace.receiver.pipeline.ExportOutcome;
import dev.costtrace.receiver.pipeline.TraceConsumer;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;

/** OTLP/gRPC {@code TraceService/Export}. */
final class OtlpGrpcService extends TraceServiceGrpc.TraceServiceImplBase {
  private final TraceConsumer consumer;

  OtlpGrpcService(TraceConsumer consumer) {
    this.consumer = consumer;
  }

  @Override
  public void export(ExportTraceServiceRequest request, StreamObserver<ExportTraceServiceResponse> out) {
    try {
      ExportOutcome outcome = consumer.consume(request, BearerAuthInterceptor.TENANT.get());
      out.onNext(response(outcome));
      out.onCompleted();
    } catch (BackPressureException e) {
      // Both codes are retryable for OTLP exporters.
      out.onError((e.unavailable() ? Status.UNAVAILABLE : Status.RESOURCE_EXHAUSTED)
          .withDescription(e.getMessage()).asRuntimeException());
    } catch (RuntimeException e) {
      out.onError(Status.INTERNAL.withDescription("export failed: " + e.getMessage()).asRuntimeException());
    }
  }

  static ExportTraceServiceResponse response(ExportOutcome outcome) {
    ExportTraceServiceResponse.Builder b = ExportTraceServiceResponse.newBuilder();
    if (outcome.rejectedSpans() > 0) {
      b.setPartialSuccess(ExportTracePartialSuccess.newBuilder()
          .setRejectedSpans(outcome.rejectedSpans()).setErrorMessage(outcome.errorMessage()));
    }
    return b.build();
  }
}
