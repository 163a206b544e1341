package dev.costtrace.agent.http;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Context;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The gen_ai client span of one OpenAI-compatible HTTP call: started when the request goes out,
 * ended once, when the response body has been read to its end or closed (or the call failed).
 * Every method swallows its own failures: telemetry never reaches the application.
 */
public final class LlmHttpSpan {
  static final String INSTRUMENTATION_NAME = "dev.costtrace.agent.http";

  static final AttributeKey<String> OPERATION = AttributeKey.stringKey("gen_ai.operation.name");
  static final AttributeKey<String> PROVIDER = AttributeKey.stringKey("gen_ai.provider.name");
  static final AttributeKey<String> REQUEST_MODEL = AttributeKey.stringKey("gen_ai.request.model");
  static final AttributeKey<String> RESPONSE_MODEL =
      AttributeKey.stringKey("gen_ai.response.model");
  static final AttributeKey<String> RESPONSE_ID = AttributeKey.stringKey("gen_ai.response.id");
  static final AttributeKey<List<String>> FINISH_REASONS =
      AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");
  static final AttributeKey<Long> INPUT_TOKENS = AttributeKey.longKey("gen_ai.usage.input_tokens");
  static final AttributeKey<Long> OUTPUT_TOKENS =
      AttributeKey.longKey("gen_ai.usage.output_tokens");
  static final AttributeKey<Long> CACHE_READ =
      AttributeKey.longKey("gen_ai.usage.cache_read.input_tokens");
  static final AttributeKey<Long> CACHE_CREATION =
      AttributeKey.longKey("gen_ai.usage.cache_creation.input_tokens");
  static final AttributeKey<Long> REASONING =
      AttributeKey.longKey("gen_ai.usage.reasoning.output_tokens");
  static final AttributeKey<String> SERVICE_TIER =
      AttributeKey.stringKey("gen_ai.openai.response.service_tier");
  static final AttributeKey<Double> TIME_TO_FIRST_CHUNK =
      AttributeKey.doubleKey("gen_ai.response.time_to_first_chunk");
  static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");
  static final AttributeKey<String> SERVER_ADDRESS = AttributeKey.stringKey("server.address");
  static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");

  private final Span span;
  private final LlmCallData call;
  private final long startNanos;
  private final AtomicBoolean ended = new AtomicBoolean();
  private volatile boolean httpError;

  private LlmHttpSpan(Span span, LlmCallData call, long startNanos) {
    this.span = span;
    this.call = call;
    this.startNanos = startNanos;
  }

  /**
   * Starts the span for a matched request whose body (already read, bounded) is {@code
   * requestBody}, or returns {@code null} if anything goes wrong.
   */
  public static LlmHttpSpan start(
      Context parent,
      LlmEndpoint endpoint,
      String host,
      int port,
      byte[] requestBody,
      int requestLength) {
    try {
      LlmCallData call = new LlmCallData();
      RequestBodyCapture.read(requestBody, requestLength, call);
      String model = call.requestModel != null ? call.requestModel : endpoint.azureDeployment();
      call.requestModel = model;
      Tracer tracer = GlobalOpenTelemetry.getTracer(INSTRUMENTATION_NAME);
      Span span =
          tracer
              .spanBuilder(model == null ? endpoint.operation() : endpoint.operation() + " " + model)
              .setParent(parent)
              .setSpanKind(SpanKind.CLIENT)
              .setAttribute(OPERATION, endpoint.operation())
              .setAttribute(PROVIDER, endpoint.provider())
              .setAttribute(SERVER_ADDRESS, host)
              .setAttribute(SERVER_PORT, (long) port)
              .startSpan();
      if (model != null) {
        span.setAttribute(REQUEST_MODEL, model);
      }
      return new LlmHttpSpan(span, call, System.nanoTime());
    } catch (Throwable t) {
      return null;
    }
  }

  public Span span() {
    return span;
  }

  /** A tee for a response body with this content type, or null if it cannot be made. */
  public ResponseBodyTee teeFor(String contentType, int maxBodyBytes) {
    boolean sse = ResponseBodyTee.isEventStream(contentType);
    return new ResponseBodyTee(call, sse, maxBodyBytes, startNanos, System::nanoTime);
  }

  /** A non-2xx response: the status code is the error type, as OTel HTTP conventions say. */
  public void httpError(int status) {
    try {
      httpError = true;
      span.setAttribute(ERROR_TYPE, Integer.toString(status));
      span.setStatus(StatusCode.ERROR);
    } catch (Throwable t) {
      // never reach the app
    }
  }

  /** The call threw before a response (connect failure, timeout, cancel). */
  public void endWithException(Throwable error) {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    try {
      span.setAttribute(ERROR_TYPE, error.getClass().getName());
      span.setStatus(StatusCode.ERROR);
      span.end();
    } catch (Throwable t) {
      // never reach the app
    }
  }

  /** Ends the span with what the tee read; safe to call more than once. */
  public void end(ResponseBodyTee tee) {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    try {
      if (tee != null) {
        tee.finish();
      }
      record(call);
    } catch (Throwable t) {
      // never reach the app
    } finally {
      try {
        span.end();
      } catch (Throwable t) {
        // never reach the app
      }
    }
  }

  private void record(LlmCallData c) {
    if (HttpCaptureConfig.FAIL_FOR_TEST) {
      throw new IllegalStateException("costtrace test: failing span hook");
    }
    if (c.responseModel != null) {
      span.setAttribute(RESPONSE_MODEL, c.responseModel);
    }
    if (c.responseId != null) {
      span.setAttribute(RESPONSE_ID, c.responseId);
    }
    if (!c.finishReasons.isEmpty()) {
      span.setAttribute(FINISH_REASONS, c.finishReasons());
    }
    setIfKnown(INPUT_TOKENS, c.inputTokens);
    setIfKnown(OUTPUT_TOKENS, c.outputTokens);
    setIfKnown(CACHE_READ, c.cacheReadTokens);
    setIfKnown(CACHE_CREATION, c.cacheCreationTokens);
    setIfKnown(REASONING, c.reasoningTokens);
    if (c.serviceTier != null) {
      span.setAttribute(SERVICE_TIER, c.serviceTier);
    }
    if (c.timeToFirstTokenNanos != null) {
      span.setAttribute(
          TIME_TO_FIRST_CHUNK, c.timeToFirstTokenNanos / (double) TimeUnit.SECONDS.toNanos(1));
    }
    if (c.errorType != null && !httpError) {
      // An error reported inside a 200 stream (e.g. a mid-stream server error event); for an
      // HTTP error the status code stays the error type.
      span.setAttribute(ERROR_TYPE, c.errorType);
      span.setStatus(StatusCode.ERROR);
    }
  }

  private void setIfKnown(AttributeKey<Long> key, Long value) {
    if (value != null) {
      span.setAttribute(key, value);
    }
  }
}
