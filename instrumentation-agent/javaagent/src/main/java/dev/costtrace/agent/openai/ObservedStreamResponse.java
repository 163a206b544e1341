package dev.costtrace.agent.openai;

import com.openai.core.http.StreamResponse;
import dev.costtrace.agent.genai.GenAiStreamObserver;
import dev.costtrace.agent.genai.ObservedSpliterator;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * The SDK's blocking stream, unchanged for the app, with every event shown to an observer first;
 * closing it (or reading it to the end) tells the observer the stream ended.
 */
final class ObservedStreamResponse<T> implements StreamResponse<T> {
  private final StreamResponse<T> delegate;
  private final GenAiStreamObserver<? super T> observer;

  ObservedStreamResponse(StreamResponse<T> delegate, GenAiStreamObserver<? super T> observer) {
    this.delegate = delegate;
    this.observer = observer;
  }

  @Override
  public Stream<T> stream() {
    Stream<T> inner = delegate.stream();
    return StreamSupport.stream(new ObservedSpliterator<T>(inner.spliterator(), observer), false)
        .onClose(inner::close);
  }

  @Override
  public void close() {
    try {
      delegate.close();
    } finally {
      observer.onEnd();
    }
  }
}
