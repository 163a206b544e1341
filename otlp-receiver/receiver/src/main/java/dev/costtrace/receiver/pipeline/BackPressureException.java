package dev.costtrace.receiver.pipeline;

import java.time.Duration;

/**
 * Nothing of the request was taken; the transport answers RESOURCE_EXHAUSTED / UNAVAILABLE
 * (gRPC) or 429 / 503 with Retry-After (HTTP).
 */
public final class BackPressureException extends Exception {
  private static final long serialVersionUID = 1L;

  private final Duration retryAfter;
  private final boolean unavailable;

  /**
   * @param unavailable true when the receiver is shutting down or its store is unreachable
   *     (UNAVAILABLE / 503), false when it is merely overloaded (RESOURCE_EXHAUSTED / 429)
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
