package dev.costtrace.agent.openai;

import com.openai.core.http.AsyncStreamResponse;
import com.openai.core.http.StreamResponse;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import dev.costtrace.agent.genai.GenAiAttributes;
import dev.costtrace.agent.genai.GenAiFailures;
import dev.costtrace.agent.genai.GenAiInstrumenter;
import dev.costtrace.agent.genai.GenAiRequest;
import dev.costtrace.agent.genai.GenAiResponse;
import dev.costtrace.agent.genai.GenAiSpans;
import dev.costtrace.agent.genai.GenAiStream;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * What the OpenAI SDK advice calls, one static method per hook: the Responses API's spans (made
 * here, through the foundation) and time to first token for the upstream agent's chat stream spans.
 * Every method contains its own failures and, where it returns an SDK object, returns the original
 * one when anything goes wrong.
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
  public static ResponsesCall start(ResponseCreateParams params) {
    try {
      GenAiRequest request = OpenAiResponsesModel.request(params, false);
      Context context = instrumenter().start(Context.current(), request);
      if (context == null) {
        return null;
      }
      markResponsesApi(context);
      return new ResponsesCall(request, context, context.makeCurrent());
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return null;
    }
  }

  /** Ends a blocking call's span with its response or error. */
  public static void end(ResponsesCall call, Response response, Throwable error) {
    if (call == null) {
      return;
    }
    try {
      call.scope.close();
      call.endWith(response, error);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
  }

  /** Ends an async call's span when the future completes; the app's future is left as it is. */
  public static void endAsync(
      ResponsesCall call, CompletableFuture<Response> future, Throwable error) {
    if (call == null) {
      return;
    }
    try {
      call.scope.close();
      if (error != null || future == null) {
        call.endWith(null, error);
        return;
      }
      future.whenComplete((response, failure) -> call.endWith(response, unwrap(failure)));
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
  }

  /** Starts the span of a streamed Responses call (current until the method returns). */
  public static ResponsesStreamCall startStream(ResponseCreateParams params) {
    try {
      GenAiRequest request = OpenAiResponsesModel.request(params, true);
      GenAiStream stream = instrumenter().startStream(Context.current(), request);
      if (!stream.isRecording()) {
        return null;
      }
      markResponsesApi(stream.context());
      return new ResponsesStreamCall(stream, stream.context().makeCurrent());
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return null;
    }
  }

  /** The stream the app gets: the SDK's own, observed to record events and end the span. */
  public static StreamResponse<ResponseStreamEvent> wrap(
      ResponsesStreamCall call, StreamResponse<ResponseStreamEvent> response, Throwable error) {
    if (call == null) {
      return response;
    }
    try {
      call.scope.close();
      if (error != null || response == null) {
        call.stream.fail(error);
        return response;
      }
      return new ObservedStreamResponse<>(response, new ResponsesStreamRecorder(call.stream));
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      call.stream.close();
      return response;
    }
  }

  /** The async stream the app gets, observed likewise. */
  public static AsyncStreamResponse<ResponseStreamEvent> wrapAsync(
      ResponsesStreamCall call, AsyncStreamResponse<ResponseStreamEvent> response, Throwable error) {
    if (call == null) {
      return response;
    }
    try {
      call.scope.close();
      if (error != null || response == null) {
        call.stream.fail(error);
        return response;
      }
      return new ObservedAsyncStreamResponse<>(response, new ResponsesStreamRecorder(call.stream));
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      call.stream.close();
      return response;
    }
  }

  /**
   * At the SDK's chat {@code createStreaming}: the upstream chat span current there (it makes it
   * current around this call), with the start time; null when no gen_ai span is active.
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
    if (timer == null || response == null) {
      return response;
    }
    try {
      return new ObservedStreamResponse<T>(response, timer);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return response;
    }
  }

  /** The async chat stream, observed likewise. */
  public static <T> AsyncStreamResponse<T> timeChatStreamAsync(
      ChatStreamTimer timer, AsyncStreamResponse<T> response) {
    if (timer == null || response == null) {
      return response;
    }
    try {
      return new ObservedAsyncStreamResponse<T>(response, timer);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return response;
    }
  }

  private static void markResponsesApi(Context context) {
    Span.fromContext(context)
        .setAttribute(GenAiAttributes.OPENAI_API_TYPE, OpenAiResponsesModel.API_TYPE_RESPONSES);
  }

  static Throwable unwrap(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }

  /** A started non-streamed call: its request, span context and scope. */
  public static final class ResponsesCall {
    final GenAiRequest request;
    final Context context;
    final Scope scope;

    ResponsesCall(GenAiRequest request, Context context, Scope scope) {
      this.request = request;
      this.context = context;
      this.scope = scope;
    }

    void endWith(Response response, Throwable error) {
      GenAiResponse mapped = null;
      if (response != null) {
        try {
          failForTest();
          mapped = OpenAiResponsesModel.response(response);
        } catch (Throwable t) {
          // A malformed response or our own bug: the span ends without response attributes.
          GenAiFailures.contain(t);
        }
      }
      instrumenter().end(context, request, mapped, error);
    }
  }

  /** A started streamed call: the accumulator and the scope open while the method runs. */
  public static final class ResponsesStreamCall {
    final GenAiStream stream;
    final Scope scope;

    ResponsesStreamCall(GenAiStream stream, Scope scope) {
      this.stream = stream;
      this.scope = scope;
    }
  }
}
