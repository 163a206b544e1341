package dev.costtrace.receiver.ingest;

import dev.costtrace.receiver.metrics.RequestMetrics;
import dev.costtrace.receiver.pipeline.BackPressureException;
import dev.costtrace.receiver.pipeline.ExportOutcome;
import dev.costtrace.receiver.pipeline.TraceConsumer;
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

  OtlpGrpcService(
      TraceConsumer consumer,
      AdmissionControl admission,
      RequestMetrics metrics,
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
    MethodDescriptor<ParsedExport, ExportTraceServiceResponse> export =
        TraceServiceGrpc.getExportMethod().toBuilder(
                ParsedExport.MARSHALLER, TraceServiceGrpc.getExportMethod().getResponseMarshaller())
            .build();
    return ServerServiceDefinition.builder(TraceServiceGrpc.SERVICE_NAME)
        .addMethod(
            export,
            ServerCalls.asyncUnaryCall(
                (parsed, out) -> {
                  if (parsed.malformed() != null) {
                    service.metrics.refused("grpc", Status.Code.INVALID_ARGUMENT.name());
                    out.onError(
                        Status.INVALID_ARGUMENT
                            .withDescription(
                                "malformed ExportTraceServiceRequest: " + parsed.malformed())
                            .asRuntimeException());
                    return;
                  }
                  service.export(parsed.request(), parsed.bytes(), out);
                }))
        .build();
  }

  @Override
  public void export(
      ExportTraceServiceRequest request, StreamObserver<ExportTraceServiceResponse> out) {
    export(request, request.getSerializedSize(), out);
  }

  /** {@code bytes}: the request's size as received (computing it again walks every string). */
  void export(
      ExportTraceServiceRequest request,
      long bytes,
      StreamObserver<ExportTraceServiceResponse> out) {
    long start = System.nanoTime();
    metrics.started("grpc");
    Status.Code code = Status.Code.OK;
    boolean admitted = false;
    try {
      // Every refusal below is retryable and carries RetryInfo: without it the Collector's OTLP
      // exporter and the Go SDK drop a RESOURCE_EXHAUSTED export instead of retrying it.
      if (!ready.getAsBoolean()) {
        code =
            refuse(
                out,
                Status.Code.UNAVAILABLE,
                OtlpReceiver.DRAINING_MESSAGE,
                RetryableStatus.BUSY_RETRY_AFTER);
        return;
      }
      if (OtlpReceiver.queueFull()) {
        code =
            refuse(
                out,
                Status.Code.UNAVAILABLE,
                "the receiver is at capacity; retry later",
                RetryableStatus.BUSY_RETRY_AFTER);
        return;
      }
      admitted = admission.tryAcquire(bytes);
      if (!admitted) {
        code =
            refuse(
                out,
                Status.Code.RESOURCE_EXHAUSTED,
                "the receiver is over its memory budget; retry later",
                RetryableStatus.BUSY_RETRY_AFTER);
        return;
      }
      ExportOutcome outcome = consumer.consume(request, BearerAuthInterceptor.TENANT.get());
      out.onNext(response(outcome));
      out.onCompleted();
    } catch (BackPressureException e) {
      code =
          refuse(
              out,
              e.unavailable() ? Status.Code.UNAVAILABLE : Status.Code.RESOURCE_EXHAUSTED,
              e.getMessage(),
              e.retryAfter());
    } catch (RuntimeException e) {
      // A bug, not a condition a retry can change: INTERNAL, which exporters do not retry.
      code = Status.Code.INTERNAL;
      out.onError(
          Status.INTERNAL.withDescription("export failed: " + e.getMessage()).asRuntimeException());
    } finally {
      if (admitted) {
        admission.release(bytes);
      }
      metrics.finished("grpc", code.name(), System.nanoTime() - start);
    }
  }

  private static Status.Code refuse(
      StreamObserver<?> out, Status.Code code, String message, java.time.Duration retryAfter) {
    out.onError(RetryableStatus.grpc(code, message, retryAfter));
    return code;
  }

  static ExportTraceServiceResponse response(ExportOutcome outcome) {
    ExportTraceServiceResponse.Builder b = ExportTraceServiceResponse.newBuilder();
    if (outcome.rejectedSpans() > 0) {
      b.setPartialSuccess(
          ExportTracePartialSuccess.newBuilder()
              .setRejectedSpans(outcome.rejectedSpans())
              .setErrorMessage(outcome.errorMessage()));
    }
    return b.build();
  }
}
