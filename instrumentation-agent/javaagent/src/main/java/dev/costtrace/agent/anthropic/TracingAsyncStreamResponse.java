package dev.costtrace.agent.anthropic;

import com.anthropic.core.http.AsyncStreamResponse;
import com.anthropic.models.messages.RawMessageStreamEvent;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The SDK's async stream, unchanged for the app, with the subscriber's handler wrapped so the
 * recorder sees every event and the completion; closing it ends the span too.
 */
final class TracingAsyncStreamResponse implements AsyncStreamResponse<RawMessageStreamEvent> {
  private final AsyncStreamResponse<RawMessageStreamEvent> delegate;
  private final AnthropicStreamRecorder recorder;

  TracingAsyncStreamResponse(
      AsyncStreamResponse<RawMessageStreamEvent> delegate, AnthropicStreamRecorder recorder) {
    this.delegate = delegate;
    this.recorder = recorder;
  }

  @Override
  public AsyncStreamResponse<RawMessageStreamEvent> subscribe(
      Handler<? super RawMessageStreamEvent> handler) {
    delegate.subscribe(new TracingHandler(handler, recorder));
    return this;
  }

  @Override
  public AsyncStreamResponse<RawMessageStreamEvent> subscribe(
      Handler<? super RawMessageStreamEvent> handler, Executor executor) {
    delegate.subscribe(new TracingHandler(handler, recorder), executor);
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
      recorder.onEnd();
    }
  }

  /** Records, then hands every event and the completion to the app's handler. */
  static final class TracingHandler implements Handler<RawMessageStreamEvent> {
    private final Handler<? super RawMessageStreamEvent> delegate;
    private final AnthropicStreamRecorder recorder;

    TracingHandler(
        Handler<? super RawMessageStreamEvent> delegate, AnthropicStreamRecorder recorder) {
      this.delegate = delegate;
      this.recorder = recorder;
    }

    @Override
    public void onNext(RawMessageStreamEvent event) {
      recorder.onEvent(event);
      delegate.onNext(event);
    }

    @Override
    public void onComplete(Optional<Throwable> error) {
      if (error.isPresent()) {
        recorder.onError(error.get());
      } else {
        recorder.onEnd();
      }
      delegate.onComplete(error);
    }
  }
}
