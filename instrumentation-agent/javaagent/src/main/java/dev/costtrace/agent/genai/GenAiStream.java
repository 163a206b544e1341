package dev.costtrace.agent.genai;

import io.opentelemetry.context.Context;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Accumulates a streamed LLM response and ends its span exactly once: at {@link #complete}, {@link
 * #fail} or {@link #close} (an app that stops reading early), whichever comes first. The
 * instrumentation wrapping the vendor's stream calls {@link #onChunk} per event (the first one
 * records the time to first token) and fills {@link #response()} from the events; feed it from the
 * thread that delivers the events. Never throws.
 */
public final class GenAiStream {
  private final GenAiInstrumenter instrumenter;
  private final Context context;
  private final GenAiRequest request;
  private final GenAiResponse.Builder response = GenAiResponse.builder();
  private final long startNanos = System.nanoTime();
  private final AtomicBoolean ended;
  private boolean firstChunkSeen;
  private volatile java.util.concurrent.ScheduledFuture<?> timeout;

  GenAiStream(GenAiInstrumenter instrumenter, Context context, GenAiRequest request) {
    this.instrumenter = instrumenter;
    this.context = context;
    this.request = request;
    this.ended = new AtomicBoolean(false);
  }

  private GenAiStream(Context parent) {
    this.instrumenter = null;
    this.context = parent;
    this.request = null;
    this.ended = new AtomicBoolean(true);
  }

  /** A stream that records nothing; {@link #context()} is the parent. */
  static GenAiStream noop(Context parent) {
    return new GenAiStream(parent);
  }

  /** True while a span is open for this stream. */
  public boolean isRecording() {
    return !ended.get();
  }

  /** The span's context (the parent's for a no-op stream), to make current around vendor calls. */
  public Context context() {
    return context;
  }

  /** The response as accumulated so far; fill it from the stream's events. */
  public GenAiResponse.Builder response() {
    return response;
  }

  /** Call once per received event; the first call records the time to first token. */
  public void onChunk() {
    if (!firstChunkSeen) {
      firstChunkSeen = true;
      response.timeToFirstTokenNanos(System.nanoTime() - startNanos);
    }
  }

  /**
   * Ends the span with {@code error.type=timeout} if the stream has not ended within {@code millis}
   * (0: never); for libraries that end a stream only by calling the app back.
   */
  public void timeoutAfter(long millis) {
    if (instrumenter != null && !ended.get()) {
      timeout = GenAiStreamTimeout.schedule(this, millis);
      if (ended.get()) {
        cancelTimeout(); // ended while scheduling
      }
    }
  }

  private void cancelTimeout() {
    java.util.concurrent.ScheduledFuture<?> t = timeout;
    if (t != null) {
      t.cancel(false);
    }
  }

  /** The stream ended normally. */
  public void complete() {
    end(null);
  }

  /** The stream failed with {@code error} (a vendor error event, an I/O failure). */
  public void fail(Throwable error) {
    end(error);
  }

  /** The app closed the stream; ends the span with what arrived if it is still open. */
  public void close() {
    end(null);
  }

  private void end(Throwable error) {
    if (instrumenter == null || !ended.compareAndSet(false, true)) {
      return;
    }
    cancelTimeout();
    try {
      instrumenter.end(context, request, response.build(), error);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
  }
}
