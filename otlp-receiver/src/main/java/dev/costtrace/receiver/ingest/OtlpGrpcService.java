package dev.costtrace.receiver.ingest;

import dev.costtrace.receiver.pipeline.BackPressureException;
import dev.costtrace.receiver.pipeline.ExportOutcome;
import dev.costtrace.receiver.pipeline.TraceConsumer;
import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.MethodDescriptor;
import io.grpc.ServerServiceDefinition;
import io.grpc.Status;
import io.grpc.stub.ServerCalls;
import io.grpc.stub.StreamObserver;
import io.opentelemetry.proto.collector.trace.v1.ExportTracePartialSuccess;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/** OTLP/gRPC {@code TraceService/Export}. */
final class OtlpGrpcService extends TraceServiceGrpc.TraceServiceImplBase {
  private final TraceConsumer consumer;

  OtlpGrpcService(TraceConsumer consumer) {
    this.consumer = consumer;
  }

  /**
   * The service with each request parsed here rather than by gRPC: gRPC answers a request it cannot
   * parse with UNKNOWN, OTLP asks for INVALID_ARGUMENT (not retryable) and a message.
   */
  static ServerServiceDefinition definition(TraceConsumer consumer) {
    OtlpGrpcService service = new OtlpGrpcService(consumer);
    MethodDescriptor<byte[], ExportTraceServiceResponse> export = TraceServiceGrpc.getExportMethod()
        .toBuilder(RawBytes.INSTANCE, TraceServiceGrpc.getExportMethod().getResponseMarshaller()).build();
    return ServerServiceDefinition.builder(TraceServiceGrpc.SERVICE_NAME)
        .addMethod(export, ServerCalls.asyncUnaryCall((bytes, out) -> {
          ExportTraceServiceRequest request;
          try {
            request = ExportTraceServiceRequest.parseFrom(bytes);
          } catch (InvalidProtocolBufferException e) {
            out.onError(Status.INVALID_ARGUMENT.withDescription("malformed ExportTraceServiceRequest: "
                + e.getMessage()).asRuntimeException());
            return;
          }
          service.export(request, out);
        }))
        .build();
  }

  @Override
  public void export(ExportTraceServiceRequest request, StreamObserver<ExportTraceServiceResponse> out) {
    try {
      ExportOutcome outcome = consumer.consume(request, null);
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

  /** The request as it came; gRPC has already enforced the inbound size limit. */
  private enum RawBytes implements MethodDescriptor.Marshaller<byte[]> {
    INSTANCE;

    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }
}
