package dev.costtrace.agent.openai;

import com.openai.core.http.AsyncStreamResponse;
import dev.costtrace.agent.genai.GenAiStreamObserver;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The SDK's async stream, unchanged for the app, with the subscriber's handler wrapped so the
 * observer sees every event and the completion; closing it ends the observation too.
 */
final class ObservedAsyncStreamResponse<T> implements AsyncStreamResponse<T> {
  private final AsyncStreamResponse<T> delegate;
  private final GenAiStreamObserver<? super T> observer;

  ObservedAsyncStreamResponse(
      AsyncStreamResponse<T> delegate, GenAiStreamObserver<? super T> observer) {
    this.delegate = delegate;
    this.observer = observer;
  }

  @Override
  public AsyncStreamResponse<T> subscribe(Handler<? super T> handler) {
    delegate.subscribe(new ObservedHandler<T>(handler, observer));
    return this;
  }

  @Override
  public AsyncStreamResponse<T> subscribe(Handler<? super T> handler, Executor executor) {
    delegate.subscribe(new ObservedHandler<T>(handler, observer), executor);
    return this;
  }

  @Override
  public CompletableFuture<Void> onCompleteFuture() {
    return delegate.onCompleteFuture();
  }

  @Override
  public void close() {
    try {
      delegate.close();
    } finally {
      observer.onEnd();
    }
  }

  /** Observes, then hands every event and the completion to the app's handler. */
  static final class ObservedHandler<T> implements Handler<T> {
    private final Handler<? super T> delegate;
    private final GenAiStreamObserver<? super T> observer;

    ObservedHandler(Handler<? super T> delegate, GenAiStreamObserver<? super T> observer) {
      this.delegate = delegate;
      this.observer = observer;
    }

    @Override
    public void onNext(T event) {
      observer.onEvent(event);
      delegate.onNext(event);
    }

    @Override
    public void onComplete(Optional<Throwable> error) {
      if (error.isPresent()) {
        observer.onError(error.get());
      } else {
        observer.onEnd();
      }
      delegate.onComplete(error);
    }
  }
}
