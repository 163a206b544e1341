package dev.costtrace.agent.http.jdk;

import dev.costtrace.agent.genai.GenAiFailures;
import dev.costtrace.agent.http.LlmHttpSpan;
import dev.costtrace.agent.http.ResponseBodyTee;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * The app's body subscriber, given every buffer unchanged; a read-only duplicate of each is shown
 * to the tee first. The span ends on complete, error, or when the app cancels (closes a stream).
 */
final class TeeBodySubscriber<T> implements HttpResponse.BodySubscriber<T> {
  private final HttpResponse.BodySubscriber<T> delegate;
  private final ResponseBodyTee tee;
  private final LlmHttpSpan span;
  private final byte[] chunk = new byte[8192];

  TeeBodySubscriber(
      HttpResponse.BodySubscriber<T> delegate, ResponseBodyTee tee, LlmHttpSpan span) {
    this.delegate = delegate;
    this.tee = tee;
    this.span = span;
  }

  @Override
  public CompletionStage<T> getBody() {
    return delegate.getBody();
  }

  @Override
  public void onSubscribe(Flow.Subscription subscription) {
    delegate.onSubscribe(
        new Flow.Subscription() {
          @Override
          public void request(long n) {
            subscription.request(n);
          }

          @Override
          public void cancel() {
            try {
              subscription.cancel();
            } finally {
              span.end(tee);
            }
          }
        });
  }

  @Override
  public void onNext(List<ByteBuffer> items) {
    try {
      synchronized (tee) {
        for (ByteBuffer item : items) {
          ByteBuffer copy = item.asReadOnlyBuffer();
          while (copy.hasRemaining()) {
            int n = Math.min(chunk.length, copy.remaining());
            copy.get(chunk, 0, n);
            tee.onBytes(chunk, 0, n);
          }
        }
      }
    } catch (Throwable t) {
      // the app's bytes are untouched; only our reading of them stops being useful
    }
    delegate.onNext(items);
  }

  @Override
  public void onError(Throwable throwable) {
    endSpan();
    delegate.onError(throwable);
  }

  @Override
  public void onComplete() {
    endSpan();
    delegate.onComplete();
  }

  /**
   * Ends the span before the app hears of the end of the body: an app that exits right after its
   * last call must not lose that call's span to a race with its own shutdown.
   */
  private void endSpan() {
    try {
      span.end(tee);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
  }
}
