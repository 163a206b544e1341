package dev.costtrace.receiver.pipeline;

import java.time.Duration;

/**
 * Nothing of the request was taken and a retry later can succeed: the transport answers
 * RESOURCE_EXHAUSTED / UNAVAILABLE with {@code google.rpc.RetryInfo} (gRPC) or 429 / 503 with
 * Retry-After (HTTP), the statuses OTLP exporters retry.
 */
public final class BackPressureException extends Exception {
  private static final long serialVersionUID = 1L;

  private final Duration retryAfter;
  private final boolean unavailable;

  /**
   * @param unavailable true when the receiver is shutting down or cannot store (its buffer's disk
   *     failed): UNAVAILABLE / 503; false when it is merely overloaded: RESOURCE_EXHAUSTED / 429
   * @param retryAfter how long the exporter should wait (RetryInfo, Retry-After)
   */
  public BackPressureException(String message, Duration retryAfter, boolean unavailable) {
    super(message);
    this.retryAfter = retryAfter;
    this.unavailable = unavailable;
  }

  public Duration retryAfter() {
    return retryAfter;
  }

  public boolean unavailable() {
    return unavailable;
  }
}
