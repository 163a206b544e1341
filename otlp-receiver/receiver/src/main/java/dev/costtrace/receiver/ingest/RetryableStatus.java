package dev.costtrace.receiver.ingest;

import com.google.protobuf.Any;
import com.google.rpc.RetryInfo;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.time.Duration;

/**
 * A refusal an exporter should retry, in the form the OTLP specification gives each transport: gRPC
 * UNAVAILABLE (or RESOURCE_EXHAUSTED, which the Collector's OTLP exporter and the Go SDK retry only
 * when the status carries it) with {@code google.rpc.RetryInfo} in its details; HTTP 429 / 503 with
 * {@code Retry-After} and the same {@code google.rpc.Status} as the body.
 */
final class RetryableStatus {
  /** What the receiver tells exporters to wait when it is merely busy. */
  static final Duration BUSY_RETRY_AFTER = Duration.ofSeconds(1);

  private RetryableStatus() {}

  /** The {@code google.rpc.Status} with a RetryInfo detail of {@code retryAfter}. */
  static com.google.rpc.Status status(Status.Code code, String message, Duration retryAfter) {
    RetryInfo retry =
        RetryInfo.newBuilder()
            .setRetryDelay(
                com.google.protobuf.Duration.newBuilder()
                    .setSeconds(retryAfter.getSeconds())
                    .setNanos(retryAfter.getNano()))
            .build();
    return com.google.rpc.Status.newBuilder()
        .setCode(code.value())
        .setMessage(message)
        .addDetails(Any.pack(retry))
        .build();
  }

  /**
   * The gRPC error: {@code code} ({@code UNAVAILABLE} or {@code RESOURCE_EXHAUSTED}) with
   * RetryInfo.
   */
  static StatusRuntimeException grpc(Status.Code code, String message, Duration retryAfter) {
    return StatusProto.toStatusRuntimeException(status(code, message, retryAfter));
  }

  /** The whole seconds for {@code Retry-After}, at least 1. */
  static String retryAfterSeconds(Duration retryAfter) {
    long seconds = retryAfter.getSeconds() + (retryAfter.getNano() > 0 ? 1 : 0);
    return Long.toString(Math.max(1, seconds));
  }
}
