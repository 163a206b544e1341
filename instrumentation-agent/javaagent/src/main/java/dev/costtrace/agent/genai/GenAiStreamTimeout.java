package dev.costtrace.agent.genai;

import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Ends the span of a stream whose library never calls back (a callback-style streaming API whose
 * model hangs, or which swallows the end): after the configured time ({@link
 * GenAiSettings#streamTimeoutMillis}) a {@link GenAiStream} still open is failed with this
 * exception, written as {@code error.type=timeout}. One daemon thread for all streams; a stream
 * that ends in time cancels its timer ({@link GenAiStream}), so the queue holds open streams only.
 * The app's own handler is not touched: a late callback still reaches it, and finds the span ended.
 */
public final class GenAiStreamTimeout extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** {@code error.type} of a stream ended by its timeout. */
  public static final String ERROR_TYPE = "timeout";

  private static final ScheduledThreadPoolExecutor TIMERS = timers();

  GenAiStreamTimeout(long millis) {
    super("no end of stream within " + millis + " ms", null, false, false);
  }

  private static ScheduledThreadPoolExecutor timers() {
    ScheduledThreadPoolExecutor e =
        new ScheduledThreadPoolExecutor(
            1,
            r -> {
              Thread t = new Thread(r, "costtrace-stream-timeout");
              t.setDaemon(true);
              return t;
            });
    e.setRemoveOnCancelPolicy(true);
    return e;
  }

  /** Fails {@code stream} after {@code millis} unless it ended before; null when not scheduled. */
  static ScheduledFuture<?> schedule(GenAiStream stream, long millis) {
    if (millis <= 0) {
      return null;
    }
    try {
      return TIMERS.schedule(
          () -> stream.fail(new GenAiStreamTimeout(millis)), millis, TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      GenAiFailures.contain(e);
      return null;
    }
  }
}
