package dev.costtrace.agent.genai;

/**
 * The {@link GenAiStreamObserver} every SDK instrumentation feeds its {@link GenAiStream} with:
 * each event counts as a chunk (the first one is the time to first token) and is then {@link
 * #record}ed by the SDK-specific subclass; a failure while reading fails the span, the end closes
 * it. A malformed event, or a bug in {@link #record}, loses only what that event carried.
 */
public abstract class GenAiStreamRecorder<T> implements GenAiStreamObserver<T> {
  protected final GenAiStream stream;

  protected GenAiStreamRecorder(GenAiStream stream) {
    this.stream = stream;
  }

  /** Fills {@code stream.response()} from one event; may call {@code stream.complete()}. */
  protected abstract void record(T event);

  @Override
  public final void onEvent(T event) {
    try {
      stream.onChunk();
      record(event);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
  }

  @Override
  public final void onError(Throwable error) {
    stream.fail(error);
  }

  @Override
  public final void onEnd() {
    stream.close();
  }
}
