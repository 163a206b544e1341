package dev.costtrace.receiver.ingest;

import com.google.protobuf.InvalidProtocolBufferException;
import io.grpc.KnownLength;
import io.grpc.MethodDescriptor;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * An OTLP/gRPC export request as the server's marshaller parsed it, straight from gRPC's message
 * stream: either the request and its size in bytes, or why it is malformed. Parsing here (not with
 * gRPC's protobuf marshaller) lets the service answer INVALID_ARGUMENT with a message instead of
 * gRPC's INTERNAL; parsing from the stream, rather than copying it into a fresh byte array first,
 * saves a copy and two allocations of every request.
 *
 * @param request the request, or null when malformed
 * @param bytes the serialized size, as received
 * @param malformed why the bytes are not an ExportTraceServiceRequest, or null
 */
record ParsedExport(ExportTraceServiceRequest request, long bytes, String malformed) {
  /**
   * Requests up to this size are copied into a per-thread scratch buffer, reused (as gRPC's own
   * protobuf marshaller does); larger ones into a fresh array, so the buffers a worker thread keeps
   * stay small.
   */
  static final int SCRATCH_BYTES = 1 << 20;

  private static final ThreadLocal<byte[]> SCRATCH = new ThreadLocal<>();

  /** Server-side marshaller: parse only ({@code stream} is for responses, never requests). */
  static final MethodDescriptor.Marshaller<ParsedExport> MARSHALLER =
      new MethodDescriptor.Marshaller<>() {
        @Override
        public InputStream stream(ParsedExport value) {
          throw new UnsupportedOperationException("a request marshaller of the server: parse only");
        }

        @Override
        public ParsedExport parse(InputStream stream) {
          try {
            return ParsedExport.parse(stream);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        }
      };

  /** Reads and parses one request; malformed protobuf is a result, not an exception. */
  static ParsedExport parse(InputStream stream) throws IOException {
    // gRPC hands over the whole message, already within its inbound size limit; its streams know
    // their length. Unknown length (not from gRPC): read it all.
    int size = stream instanceof KnownLength ? stream.available() : -1;
    byte[] bytes;
    if (size < 0) {
      bytes = stream.readAllBytes();
      size = bytes.length;
    } else if (size <= SCRATCH_BYTES) {
      bytes = SCRATCH.get();
      if (bytes == null || bytes.length < size) {
        bytes = new byte[Math.max(size, 64 << 10)];
        SCRATCH.set(bytes);
      }
      readFully(stream, bytes, size);
    } else {
      bytes = new byte[size];
      readFully(stream, bytes, size);
    }
    try {
      // The same parse as ExportTraceServiceRequest.parseFrom(byte[]), on a part of the array;
      // bytes
      // fields are copied out (no aliasing), so the scratch buffer can be reused.
      return new ParsedExport(
          ExportTraceServiceRequest.parser().parseFrom(bytes, 0, size), size, null);
    } catch (InvalidProtocolBufferException e) {
      return new ParsedExport(null, size, e.getMessage());
    }
  }

  private static void readFully(InputStream stream, byte[] into, int size) throws IOException {
    int n = stream.readNBytes(into, 0, size);
    if (n != size) {
      throw new IOException("gRPC message ended after " + n + " of " + size + " bytes");
    }
  }
}
