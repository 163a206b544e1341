package dev.costtrace.receiver.otlp;

import io.grpc.MethodDescriptor;
import io.opentelemetry.proto.collector.trace.v1.TraceServiceGrpc;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * OTLP/gRPC {@code TraceService/Export} with messages as raw bytes, for clients: load generators
 * and tests send pre-encoded or deliberately broken bytes (the receiver's own side parses with
 * {@code ParsedExport}).
 */
public final class RawExport {
  /** Bytes in, bytes out; gRPC has already enforced the inbound size limit. */
  public static final MethodDescriptor.Marshaller<byte[]> BYTES =
      new MethodDescriptor.Marshaller<>() {
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
      };

  /** The Export method with request and response as raw bytes, for clients. */
  public static final MethodDescriptor<byte[], byte[]> METHOD =
      MethodDescriptor.<byte[], byte[]>newBuilder()
          .setType(MethodDescriptor.MethodType.UNARY)
          .setFullMethodName(TraceServiceGrpc.getExportMethod().getFullMethodName())
          .setRequestMarshaller(BYTES)
          .setResponseMarshaller(BYTES)
          .build();

  private RawExport() {}
}
