package dev.costtrace.sink.reprice;

/** A repricing could not read or write what it needed; what it already wrote stays consistent. */
public final class RepricingException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public RepricingException(String message, Throwable cause) {
    super(message, cause);
  }
}
