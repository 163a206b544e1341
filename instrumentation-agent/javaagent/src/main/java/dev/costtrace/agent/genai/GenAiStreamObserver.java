package dev.costtrace.agent.genai;

/**
 * What a vendor stream wrapper tells the instrumentation about the stream the app reads: each event
 * before the app sees it, a failure while reading, and the end (all read, or closed early).
 * Implementations contain their own failures; {@link #onEnd} may be called more than once.
 */
public interface GenAiStreamObserver<T> {
  void onEvent(T event);

  void onError(Throwable error);

  void onEnd();
}
