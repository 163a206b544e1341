package dev.costtrace.agent.openai;

import com.openai.core.http.AsyncStreamResponse;
import com.openai.core.http.StreamResponse;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import dev.costtrace.agent.genai.GenAiAttributes;
import dev.costtrace.agent.genai.GenAiCall;
import dev.costtrace.agent.genai.GenAiFailures;
import dev.costtrace.agent.genai.GenAiInstrumenter;
import dev.costtrace.agent.genai.GenAiResponse;
import dev.costtrace.agent.genai.GenAiSpans;
import dev.costtrace.agent.genai.GenAiStreamCall;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import java.util.concurrent.CompletableFuture;

/**
 * What the OpenAI SDK advice calls, one static method per hook: the Responses API's spans (made
 * here, through the foundation's {@link GenAiCall} / {@link GenAiStreamCall}) and time to first
 * token for the upstream agent's chat stream spans. Every method contains its own failures and,
 * where it returns an SDK object, returns the original one when anything goes wrong.
 */
public final class OpenAiTelemetry {
  public static final String INSTRUMENTATION_NAME = "dev.costtrace.openai-java";

  /**
   * {@code -Dcosttrace.agent.test.fail-hooks=true}: the hooks that run while a span is open (the
   * response mapping, every stream event) throw inside their containment, so the ITs can prove a bug
   * of ours changes nothing the application sees.
   */
  static final boolean FAIL_FOR_TEST = Boolean.getBoolean("costtrace.agent.test.fail-hooks");

  private static volatile GenAiInstrumenter instrumenter;

  private OpenAiTelemetry() {}

  static GenAiInstrumenter instrumenter() {
    GenAiInstrumenter i = instrumenter;
    if (i == null) {
      i = GenAiInstrumenter.create(GlobalOpenTelemetry.get(), INSTRUMENTATION_NAME);
      instrumenter = i;
    }
    return i;
  }

  static void failForTest() {
    if (FAIL_FOR_TEST) {
      throw new IllegalStateException("costtrace test hook failure");
    }
  }

  /** Starts the span of a non-streamed Responses call and makes it current; null when not traced. */
  public static GenAiCall start(ResponseCreateParams params) {
    try {
      GenAiCall call = GenAiCall.start(instrumenter(), OpenAiResponsesModel.request(params, false));
      if (call != null) {
        markResponsesApi(call.context());
      }
      return call;
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return null;
    }
  }

  /** Ends a blocking call's span with its response or error. */
  public static void end(GenAiCall call, Response response, Throwable error) {
    GenAiCall.end(call, response, error, OpenAiTelemetry::map);
  }

  /** Ends an async call's span when the future completes; the app's future is left as it is. */
  public static void endAsync(GenAiCall call, CompletableFuture<Response> future, Throwable error) {
    GenAiCall.endWhenDone(call, future, error, OpenAiTelemetry::map);
  }

  /** Starts the span of a streamed Responses call (current until the method returns). */
  public static GenAiStreamCall startStream(ResponseCreateParams params) {
    try {
      GenAiStreamCall call =
          GenAiStreamCall.start(instrumenter(), OpenAiResponsesModel.request(params, true));
      if (call != null) {
        markResponsesApi(call.stream().context());
      }
      return call;
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return null;
    }
  }

  /** The stream the app gets: the SDK's own, observed to record events and end the span. */
  public static StreamResponse<ResponseStreamEvent> wrap(
      GenAiStreamCall call, StreamResponse<ResponseStreamEvent> response, Throwable error) {
    return GenAiStreamCall.wrap(
        call,
        response,
        error,
        r -> new ObservedStreamResponse<>(r, new ResponsesStreamRecorder(call.stream())));
  }

  /** The async stream the app gets, observed likewise. */
  public static AsyncStreamResponse<ResponseStreamEvent> wrapAsync(
      GenAiStreamCall call, AsyncStreamResponse<ResponseStreamEvent> response, Throwable error) {
    return GenAiStreamCall.wrap(
        call,
        response,
        error,
        r -> new ObservedAsyncStreamResponse<>(r, new ResponsesStreamRecorder(call.stream())));
  }

  /**
   * At the SDK's chat {@code createStreaming}: the upstream chat span current there (its proxy makes
   * it current around this call), with the start time; null when no gen_ai span is active.
   */
  public static ChatStreamTimer startChatStream() {
    try {
      Context current = Context.current();
      Span span = Span.fromContext(current);
      if (!span.isRecording() || !GenAiSpans.isActive(current)) {
        return null;
      }
      return new ChatStreamTimer(span, System.nanoTime());
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return null;
    }
  }

  /** The chat stream the upstream wrapper (and so the app) reads, observed for its first chunk. */
  public static <T> StreamResponse<T> timeChatStream(ChatStreamTimer timer, StreamResponse<T> response) {
    try {
      return timer == null || response == null ? response : new ObservedStreamResponse<T>(response, timer);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return response;
    }
  }

  /** The async chat stream, observed likewise. */
  public static <T> AsyncStreamResponse<T> timeChatStreamAsync(
      ChatStreamTimer timer, AsyncStreamResponse<T> response) {
    try {
      return timer == null || response == null
          ? response
          : new ObservedAsyncStreamResponse<T>(response, timer);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return response;
    }
  }

  private static GenAiResponse map(Response response) {
    failForTest();
    return OpenAiResponsesModel.response(response);
  }

  private static void markResponsesApi(Context context) {
    Span.fromContext(context)
        .setAttribute(GenAiAttributes.OPENAI_API_TYPE, OpenAiResponsesModel.API_TYPE_RESPONSES);
  }
}
