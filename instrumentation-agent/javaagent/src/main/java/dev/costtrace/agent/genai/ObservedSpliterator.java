package dev.costtrace.agent.genai;

import java.util.Spliterator;
import java.util.function.Consumer;

/**
 * A vendor SDK's stream spliterator, unchanged for the app, that shows every element to a {@link
 * GenAiStreamObserver} first, reports a failure while advancing (and rethrows it to the app as is),
 * and the end of the stream. Never splits, so events are observed in order.
 */
public final class ObservedSpliterator<T> implements Spliterator<T> {
  private final Spliterator<T> delegate;
  private final GenAiStreamObserver<? super T> observer;

  public ObservedSpliterator(Spliterator<T> delegate, GenAiStreamObserver<? super T> observer) {
    this.delegate = delegate;
    this.observer = observer;
  }

  @Override
  public boolean tryAdvance(Consumer<? super T> action) {
    boolean advanced;
    try {
      advanced =
          delegate.tryAdvance(
              event -> {
                observer.onEvent(event);
                action.accept(event);
              });
    } catch (RuntimeException | Error e) {
      observer.onError(e);
      throw e;
    }
    if (!advanced) {
      observer.onEnd();
    }
    return advanced;
  }

  @Override
  public Spliterator<T> trySplit() {
    return null;
  }

  @Override
  public long estimateSize() {
    return delegate.estimateSize();
  }

  @Override
  public int characteristics() {
    return delegate.characteristics() & ~(Spliterator.SIZED | Spliterator.SUBSIZED);
  }
}
