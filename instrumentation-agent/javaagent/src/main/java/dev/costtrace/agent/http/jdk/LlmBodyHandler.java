package dev.costtrace.agent.http.jdk;

import dev.costtrace.agent.genai.GenAiFailures;
import dev.costtrace.agent.http.HttpCaptureConfig;
import dev.costtrace.agent.http.HttpCaptureSettings;
import dev.costtrace.agent.http.LlmEndpoint;
import dev.costtrace.agent.http.LlmHttpSpan;
import dev.costtrace.agent.http.ResponseBodyTee;
import dev.costtrace.budget.api.ConversationBudgetExceededException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Flow;

/**
 * Wraps the app's {@code BodyHandler} for a request to a listed LLM host: the span starts here, and
 * the app's {@code BodySubscriber} gets every buffer unchanged through {@link TeeBodySubscriber}.
 */
public class LlmBodyHandler<T> implements HttpResponse.BodyHandler<T> {
  private final HttpResponse.BodyHandler<T> delegate;
  private final LlmHttpSpan span;
  private final int maxBodyBytes;

  private LlmBodyHandler(HttpResponse.BodyHandler<T> delegate, LlmHttpSpan span, int maxBodyBytes) {
    this.delegate = delegate;
    this.span = span;
    this.maxBodyBytes = maxBodyBytes;
  }

  /** The wrapping handler, or {@code null} when this request is not captured. Never throws. */
  public static <T> LlmBodyHandler<T> wrap(
      HttpRequest request, HttpResponse.BodyHandler<T> handler) {
    try {
      HttpCaptureSettings settings = HttpCaptureConfig.get();
      if (settings == null || handler == null || handler instanceof LlmBodyHandler) {
        return null;
      }
      URI uri = request.uri();
      LlmEndpoint endpoint =
          settings.match(uri.getScheme(), uri.getHost(), uri.getPort(), uri.getRawPath());
      if (endpoint == null
          || request
              .headers()
              .firstValue(dev.costtrace.agent.http.SpanLayering.SDK_HEADER)
              .isPresent()) {
        return null;
      }
      byte[] body = requestBody(request, settings.maxBodyBytes());
      int port = uri.getPort() > 0 ? uri.getPort() : ("https".equals(uri.getScheme()) ? 443 : 80);
      LlmHttpSpan span =
          LlmHttpSpan.start(
              CallerContext.get(),
              endpoint,
              uri.getHost(),
              port,
              body,
              body == null ? 0 : body.length);
      return span == null ? null : new LlmBodyHandler<>(handler, span, settings.maxBodyBytes());
    } catch (ConversationBudgetExceededException e) {
      return new Blocked<>(e);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return null;
    }
  }

  /**
   * The request body, when the publisher is a replayable in-memory one that hands over its bytes
   * synchronously (BodyPublishers.ofString / ofByteArray do) and within the cap; else null.
   */
  private static byte[] requestBody(HttpRequest request, int max) {
    HttpRequest.BodyPublisher publisher = request.bodyPublisher().orElse(null);
    if (publisher == null || publisher.contentLength() <= 0 || publisher.contentLength() > max) {
      return null;
    }
    final List<ByteBuffer> parts = new ArrayList<>();
    final boolean[] done = new boolean[1];
    publisher.subscribe(
        new Flow.Subscriber<ByteBuffer>() {
          @Override
          public void onSubscribe(Flow.Subscription s) {
            s.request(Long.MAX_VALUE);
          }

          @Override
          public void onNext(ByteBuffer item) {
            parts.add(item.duplicate());
          }

          @Override
          public void onError(Throwable t) {}

          @Override
          public void onComplete() {
            done[0] = true;
          }
        });
    if (!done[0]) {
      return null;
    }
    int size = 0;
    for (ByteBuffer b : parts) {
      size += b.remaining();
    }
    byte[] out = new byte[size];
    int at = 0;
    for (ByteBuffer b : parts) {
      int n = b.remaining();
      b.get(out, at, n);
      at += n;
    }
    return out;
  }

  @Override
  public HttpResponse.BodySubscriber<T> apply(HttpResponse.ResponseInfo info) {
    HttpResponse.BodySubscriber<T> subscriber = delegate.apply(info);
    try {
      if (info.statusCode() >= 400) {
        span.httpError(info.statusCode());
      }
      ResponseBodyTee tee =
          span.teeFor(info.headers().firstValue("content-type").orElse(null), maxBodyBytes);
      return new TeeBodySubscriber<>(subscriber, tee, span);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      span.end(null);
      return subscriber;
    }
  }

  /** Ends the span if the call fails before a body (connect error, timeout). */
  @SuppressWarnings("rawtypes")
  /**
   * What the advice's exit throws: the budget's exception for a blocked call, else {@code thrown}.
   */
  public static Throwable thrown(LlmBodyHandler<?> wrapped, Throwable thrown) {
    return wrapped instanceof Blocked ? ((Blocked<?>) wrapped).exception : thrown;
  }

  /**
   * A request the budget blocked: the advice skips {@code sendAsync} and throws the exception,
   * which {@code send} lets through as it is.
   */
  public static final class Blocked<T> extends LlmBodyHandler<T> {
    final RuntimeException exception;

    Blocked(RuntimeException exception) {
      super(null, null, 0);
      this.exception = exception;
    }
  }

  public void watch(CompletableFuture<?> future, Throwable thrown) {
    if (thrown != null) {
      span.endWithException(thrown);
      return;
    }
    if (future != null) {
      future.whenComplete(
          (response, error) -> {
            if (error != null) {
              span.endWithException(error);
            }
          });
    }
  }
}
