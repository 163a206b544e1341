package dev.costtrace.agent.http.okhttp;

import dev.costtrace.agent.http.HttpCaptureConfig;
import dev.costtrace.agent.http.HttpCaptureSettings;
import dev.costtrace.agent.http.LlmEndpoint;
import dev.costtrace.agent.http.LlmHttpSpan;
import dev.costtrace.agent.http.ResponseBodyTee;
import dev.costtrace.agent.http.SpanLayering;
import dev.costtrace.budget.api.ConversationBudgetExceededException;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.io.IOException;
import java.util.List;
import okhttp3.HttpUrl;
import okhttp3.Interceptor;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;
import okhttp3.ResponseBody;
import okio.Buffer;

/**
 * An application interceptor: for a request to a listed LLM host it starts the gen_ai span, and
 * hands the app a response whose body is the same bytes read through a tee. Anything that fails on
 * our side falls back to the plain call.
 */
public final class LlmCallInterceptor implements Interceptor {
  private static final LlmCallInterceptor INSTANCE = new LlmCallInterceptor();

  /** Called from the OkHttpClient constructor advice; adds us once per builder. */
  public static void addTo(OkHttpClient.Builder builder) {
    List<Interceptor> interceptors = builder.interceptors();
    for (Interceptor i : interceptors) {
      if (i instanceof LlmCallInterceptor) {
        return;
      }
    }
    interceptors.add(0, INSTANCE);
  }

  @Override
  public Response intercept(Chain chain) throws IOException {
    Request request = chain.request();
    HttpCaptureSettings settings = null;
    LlmHttpSpan span = null;
    try {
      settings = HttpCaptureConfig.get();
      span = start(request, settings);
    } catch (ConversationBudgetExceededException e) {
      throw e; // the budget blocked the call: it is not sent
    } catch (Throwable t) {
      span = null;
    }
    if (span == null) {
      return chain.proceed(request);
    }
    Response response;
    try (Scope ignored = span.context().makeCurrent()) {
      response = chain.proceed(request);
    } catch (IOException | RuntimeException | Error e) {
      span.endWithException(e);
      throw e;
    }
    try {
      return teed(response, span, settings);
    } catch (Throwable t) {
      span.end(null);
      return response;
    }
  }

  private static LlmHttpSpan start(Request request, HttpCaptureSettings settings)
      throws IOException {
    if (settings == null
        || !SpanLayering.httpLayerCaptures(request.header(SpanLayering.SDK_HEADER))) {
      return null;
    }
    HttpUrl url = request.url();
    LlmEndpoint endpoint = settings.match(url.scheme(), url.host(), url.port(), url.encodedPath());
    if (endpoint == null) {
      return null;
    }
    byte[] body = null;
    RequestBody requestBody = request.body();
    if (requestBody != null
        && !requestBody.isDuplex()
        && !requestBody.isOneShot()
        && requestBody.contentLength() > 0
        && requestBody.contentLength() <= settings.maxBodyBytes()) {
      // Writing a replayable body twice is what OkHttp itself does on retries.
      Buffer buffer = new Buffer();
      requestBody.writeTo(buffer);
      body = buffer.readByteArray();
    }
    return LlmHttpSpan.start(
        Context.current(), endpoint, url.host(), url.port(), body, body == null ? 0 : body.length);
  }

  private static Response teed(Response response, LlmHttpSpan span, HttpCaptureSettings settings) {
    if (!response.isSuccessful()) {
      span.httpError(response.code());
    }
    ResponseBody body = response.body();
    if (body == null) {
      span.end(null);
      return response;
    }
    ResponseBodyTee tee = span.teeFor(response.header("Content-Type"), settings.maxBodyBytes());
    return response.newBuilder().body(new TeeResponseBody(body, tee, span)).build();
  }
}
