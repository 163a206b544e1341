package dev.costtrace.agent.anthropic;

import com.anthropic.core.http.StreamResponse;
import com.anthropic.models.messages.RawMessageStreamEvent;
import java.util.Spliterator;
import java.util.function.Consumer;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * The SDK's blocking stream, unchanged for the app, with every event shown to the recorder; the
 * span ends at {@code message_stop}, on a failure while reading, or when the app closes the stream.
 */
final class TracingStreamResponse implements StreamResponse<RawMessageStreamEvent> {
  private final StreamResponse<RawMessageStreamEvent> delegate;
  private final AnthropicStreamRecorder recorder;

  TracingStreamResponse(
      StreamResponse<RawMessageStreamEvent> delegate, AnthropicStreamRecorder recorder) {
    this.delegate = delegate;
    this.recorder = recorder;
  }

  @Override
  public Stream<RawMessageStreamEvent> stream() {
    Stream<RawMessageStreamEvent> inner = delegate.stream();
    return StreamSupport.stream(new TracingSpliterator(inner.spliterator(), recorder), false)
        .onClose(inner::close);
  }

  @Override
  public void close() {
    try {
      delegate.close();
    } finally {
      recorder.onClose();
    }
  }

  /** Shows each element to the recorder and reports a failure while advancing. */
  static final class TracingSpliterator implements Spliterator<RawMessageStreamEvent> {
    private final Spliterator<RawMessageStreamEvent> delegate;
    private final AnthropicStreamRecorder recorder;

    TracingSpliterator(
        Spliterator<RawMessageStreamEvent> delegate, AnthropicStreamRecorder recorder) {
      this.delegate = delegate;
      this.recorder = recorder;
    }

    @Override
    public boolean tryAdvance(Consumer<? super RawMessageStreamEvent> action) {
      boolean advanced;
      try {
        advanced =
            delegate.tryAdvance(
                event -> {
                  recorder.onEvent(event);
                  action.accept(event);
                });
      } catch (RuntimeException | Error e) {
        recorder.onError(e);
        throw e;
      }
      if (!advanced) {
        recorder.onClose();
      }
      return advanced;
    }

    @Override
    public Spliterator<RawMessageStreamEvent> trySplit() {
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
}
