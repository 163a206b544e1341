package dev.costtrace.receiver.ingest;

import dev.costtrace.receiver.pipeline.BackPressureException;
import dev.costtrace.receiver.pipeline.ExportOutcome;
import dev.costtrace.receiver.pipeline.TraceConsumer;
import dev.costtrace.receiver.metrics.RequestMetrics;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;

/** OTLP/gRPC {@code TraceService/Export}. */
final class OtlpGrpcService extends TraceServiceGrpc.TraceServiceImplBase {
  private final TraceConsumer consumer;
  private final AdmissionControl admission;
  private final RequestMetrics metrics;
  private final java.util.function.BooleanSupplier ready;

  OtlpGrpcService(TraceConsumer consumer, AdmissionControl admission, RequestMetrics metrics,
      java.util.function.BooleanSupplier ready) {
    this.consumer = consumer;
    this.admission = admission;
    this.metrics = metrics;
    this.ready = ready;
  }

  /**
   * The service with each request parsed here rather than by gRPC: gRPC answers a request it cannot
   * parse with UNKNOWN, OTLP asks for INVALID_ARGUMENT (not retryable) and a message.
   */
  static ServerServiceDefinition definition(OtlpGrpcService service) {
    MethodDescriptor<ParsedExport, ExportTraceServiceResponse> export = TraceServiceGrpc.getExportMethod()
        .toBuilder(ParsedExport.MARSHALLER, TraceServiceGrpc.getExportMethod().getResponseMarshaller()).build();
    return ServerServiceDefinition.builder(TraceServiceGrpc.SERVICE_NAME)
        .addMethod(export, ServerCalls.asyncUnaryCall((parsed, out) -> {
          if (parsed.malformed() != null) {
            service.metrics.refused("grpc", Status.Code.INVALID_ARGUMENT.name());
            out.onError(Status.INVALID_ARGUMENT.withDescription("malformed ExportTraceServiceRequest: "
                + parsed.malformed()).asRuntimeException());
            return;
          }
          service.export(parsed.request(), parsed.bytes(), out);
        }))
        .build();
  }

  @Override
  public void export(ExportTraceServiceRequest request, StreamObserver<ExportTraceServiceResponse> out) {
    export(request, request.getSerializedSize(), out);
  }

  /** {@code bytes}: the request's size as received (computing it again walks every string). */
  void export(ExportTraceServiceRequest request, long bytes, StreamObserver<ExportTraceServiceResponse> out) {
    long start = System.nanoTime();
    metrics.started("grpc");
    Status.Code code = Status.Code.OK;
    boolean admitted = false;
    try {
      if (!ready.getAsBoolean()) {
        code = fail(out, Status.UNAVAILABLE, OtlpReceiver.DRAINING_MESSAGE);
        return;
      }
      if (OtlpReceiver.queueFull()) {
        code = fail(out, Status.UNAVAILABLE, "the receiver is at capacity; retry later");
        return;
      }
      admitted = admission.tryAcquire(bytes);
      if (!admitted) {
        code = fail(out, Status.RESOURCE_EXHAUSTED, "the receiver is over its memory budget; retry later");
        return;
      }
      ExportOutcome outcome = consumer.consume(request, BearerAuthInterceptor.TENANT.get());
      out.onNext(response(outcome));
      out.onCompleted();
    } catch (BackPressureException e) {
      // Both codes are retryable for OTLP exporters.
      code = fail(out, e.unavailable() ? Status.UNAVAILABLE : Status.RESOURCE_EXHAUSTED, e.getMessage());
    } catch (RuntimeException e) {
      code = fail(out, Status.INTERNAL, "export failed: " + e.getMessage());
    } finally {
      if (admitted) {
        admission.release(bytes);
      }
      metrics.finished("grpc", code.name(), System.nanoTime() - start);
    }
  }

  private static Status.Code fail(StreamObserver<?> out, Status status, String message) {
    out.onError(status.withDescription(message).asRuntimeException());
    return status.getCode();
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
