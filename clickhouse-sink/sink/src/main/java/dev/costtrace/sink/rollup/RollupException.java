package dev.costtrace.sink.rollup;

/** A recomputation or check of the rollups failed in ClickHouse; running it again is safe. */
public final class RollupException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public RollupException(String message, Throwable cause) {
    super(message, cause);
  }
}
