package dev.costtrace.agent.genai;

import java.util.Iterator;

/**
 * A vendor SDK's iterator over stream events, unchanged for the app, that shows every element to a
 * {@link GenAiStreamObserver} first, reports a failure while reading (and rethrows it to the app as
 * is), and the end of the stream. The {@link java.util.Iterator} sibling of {@link
 * ObservedSpliterator}, for SDKs whose stream type is {@link Iterable}.
 */
public final class ObservedIterator<T> implements Iterator<T> {
  private final Iterator<T> delegate;
  private final GenAiStreamObserver<? super T> observer;

  public ObservedIterator(Iterator<T> delegate, GenAiStreamObserver<? super T> observer) {
    this.delegate = delegate;
    this.observer = observer;
  }

  @Override
  public boolean hasNext() {
    boolean more;
    try {
      more = delegate.hasNext();
    } catch (RuntimeException | Error e) {
      observer.onError(e);
      throw e;
    }
    if (!more) {
      observer.onEnd();
    }
    return more;
  }

  @Override
  public T next() {
    T event;
    try {
      event = delegate.next();
    } catch (RuntimeException | Error e) {
      observer.onError(e);
      throw e;
    }
    observer.onEvent(event);
    return event;
  }

  @Override
  public void remove() {
    delegate.remove();
  }
}
