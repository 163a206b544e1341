package dev.costtrace.agent.anthropic;

import com.anthropic.core.http.StreamResponse;
import com.anthropic.models.messages.RawMessageStreamEvent;
import dev.costtrace.agent.genai.ObservedSpliterator;
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
    return StreamSupport.stream(new ObservedSpliterator<>(inner.spliterator(), recorder), false)
        .onClose(inner::close);
  }

  @Override
  public void close() {
    try {
      delegate.close();
    } finally {
      recorder.onEnd();
    }
  }
}
