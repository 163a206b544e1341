package dev.costtrace.sink;

import java.time.Duration;

/** The sink cannot take more now; nothing of the rejected call was accepted. */
public final class SinkFullException extends Exception {
  private static final long serialVersionUID = 1L;

  private final Duration retryAfter;

  public SinkFullException(String message, Duration retryAfter) {
    super(message);
    this.retryAfter = retryAfter;
  }

  /** How long the client should wait before retrying. */
  public Duration retryAfter() {
    return retryAfter;
  }
}
