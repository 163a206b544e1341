package dev.costtrace.agent.http;

import dev.costtrace.agent.genai.GenAiAttributes;
import dev.costtrace.agent.genai.GenAiBudget;
import dev.costtrace.agent.genai.GenAiFailures;
import dev.costtrace.agent.genai.GenAiInputText;
import dev.costtrace.agent.genai.GenAiInstrumenter;
import dev.costtrace.agent.genai.GenAiRequest;
import dev.costtrace.agent.genai.GenAiResponse;
import dev.costtrace.agent.genai.GenAiUsage;
import dev.costtrace.budget.api.ConversationBudgetExceededException;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * The gen_ai client span of one OpenAI-compatible HTTP call, made through the shared {@link
 * GenAiInstrumenter} (same attributes as every CostTrace instrumentation, and no span when an SDK-
 * or framework-level gen_ai span is already active): started when the request goes out, ended once,
 * when the response body has been read to its end or closed, or the call failed. Every method
 * contains its own failures: telemetry never reaches the application.
 */
public final class LlmHttpSpan {
  static final String INSTRUMENTATION_NAME = "dev.costtrace.agent.http";

  private static final Supplier<GenAiInstrumenter> INSTRUMENTER =
      GenAiInstrumenter.lazy(INSTRUMENTATION_NAME);

  private final Context context;
  private final GenAiRequest request;
  private final LlmCallData call;
  private final long startNanos;
  private final AtomicBoolean ended = new AtomicBoolean();
  private volatile boolean httpError;

  private LlmHttpSpan(Context context, GenAiRequest request, LlmCallData call, long startNanos) {
    this.context = context;
    this.request = request;
    this.call = call;
    this.startNanos = startNanos;
  }

  private static GenAiInstrumenter instrumenter() {
    return INSTRUMENTER.get();
  }

  /**
   * Starts the span for a matched request whose body (already read, bounded) is {@code
   * requestBody}; {@code null} when a gen_ai span is already active in {@code parent}, the call is
   * not traced, or anything goes wrong.
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
      if (call.requestModel == null) {
        call.requestModel = endpoint.azureDeployment();
      }
      GenAiRequest request =
          GenAiRequest.builder(endpoint.provider(), endpoint.operation())
              .requestModel(call.requestModel)
              .streaming(call.stream)
              .serverAddress(host)
              .serverPort((long) port)
              .inputText(() -> GenAiInputText.fromJson(requestBody, requestLength))
              .maxTokens(call.maxTokens)
              // The body is the app's bytes, sent as they are: a downgrade cannot be applied here
              // and blocks instead.
              .notDowngradable()
              .build();
      Context context = instrumenter().start(parent, request);
      return context == null ? null : new LlmHttpSpan(context, request, call, System.nanoTime());
    } catch (ConversationBudgetExceededException e) {
      throw e; // blocked by the budget: the caller throws it instead of sending the request
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return null;
    }
  }

  /** The span's context, to make current while the request is sent. */
  public Context context() {
    return context;
  }

  /** A tee for a response body with this content type. */
  public ResponseBodyTee teeFor(String contentType, int maxBodyBytes) {
    boolean sse = ResponseBodyTee.isEventStream(contentType);
    return new ResponseBodyTee(call, sse, maxBodyBytes, startNanos, System::nanoTime);
  }

  /** A non-2xx response: the status code is the error type, as OTel HTTP conventions say. */
  public void httpError(int status) {
    try {
      httpError = true;
      Span span = GenAiBudget.callSpan(context);
      span.setAttribute(GenAiAttributes.ERROR_TYPE, Integer.toString(status));
      span.setStatus(StatusCode.ERROR);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
  }

  /** The call threw before a response (connect failure, timeout, cancel). */
  public void endWithException(Throwable error) {
    if (ended.compareAndSet(false, true)) {
      instrumenter().end(context, request, null, error);
    }
  }

  /** Ends the span with what the tee read; safe to call more than once. */
  public void end(ResponseBodyTee tee) {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    GenAiResponse response = null;
    try {
      if (tee != null) {
        tee.finish();
      }
      response = response(call);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
    instrumenter().end(context, request, response, null);
  }

  private GenAiResponse response(LlmCallData c) {
    GenAiResponse.Builder r =
        GenAiResponse.builder()
            .responseId(c.responseId)
            .responseModel(c.responseModel)
            .serviceTier(c.serviceTier)
            .timeToFirstTokenNanos(c.timeToFirstTokenNanos);
    for (String f : c.finishReasons) {
      r.addFinishReason(f);
    }
    if (c.inputTokens != null || c.outputTokens != null) {
      r.usage(
          GenAiUsage.builder()
              .inputTokens(c.inputTokens)
              .outputTokens(c.outputTokens)
              .cacheReadInputTokens(c.cacheReadTokens)
              .cacheCreationInputTokens(c.cacheCreationTokens)
              .reasoningOutputTokens(c.reasoningTokens)
              .build());
    }
    if (c.errorType != null && !httpError) {
      // An error event inside a 200 stream; for an HTTP error the status code stays the type.
      Span span = GenAiBudget.callSpan(context);
      span.setAttribute(GenAiAttributes.ERROR_TYPE, c.errorType);
      span.setStatus(StatusCode.ERROR);
    }
    return r.build();
  }
}
