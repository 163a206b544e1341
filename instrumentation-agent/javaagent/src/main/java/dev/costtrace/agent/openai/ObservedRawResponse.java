package dev.costtrace.agent.openai;

import com.openai.core.http.Headers;
import com.openai.core.http.HttpResponseFor;
import com.openai.models.responses.Response;
import dev.costtrace.agent.genai.GenAiCall;
import java.io.InputStream;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A {@code withRawResponse()} Responses call's result, unchanged for the app: the SDK parses the
 * body only when the app calls {@link #parse}, so the span ends there, with the parsed response's
 * usage (or the parse failure); an app that reads the raw body instead ends it by closing the
 * response, without usage. Ends the span exactly once.
 */
final class ObservedRawResponse implements HttpResponseFor<Response> {
  private final HttpResponseFor<Response> delegate;
  private final GenAiCall call;
  private final AtomicBoolean ended = new AtomicBoolean();

  ObservedRawResponse(HttpResponseFor<Response> delegate, GenAiCall call) {
    this.delegate = delegate;
    this.call = call;
  }

  @Override
  public Response parse() {
    Response parsed;
    try {
      parsed = delegate.parse();
    } catch (RuntimeException | Error e) {
      end(null, e);
      throw e;
    }
    end(parsed, null);
    return parsed;
  }

  @Override
  public int statusCode() {
    return delegate.statusCode();
  }

  @Override
  public Headers headers() {
    return delegate.headers();
  }

  @Override
  public Optional<String> requestId() {
    return delegate.requestId();
  }

  @Override
  public InputStream body() {
    return delegate.body();
  }

  @Override
  public void close() {
    try {
      delegate.close();
    } finally {
      end(null, null);
    }
  }

  private void end(Response response, Throwable error) {
    if (ended.compareAndSet(false, true)) {
      OpenAiTelemetry.endLater(call, response, error);
    }
  }
}
