package dev.costtrace.agent.openai;

import com.openai.core.ClientOptions;
import com.openai.core.http.AsyncStreamResponse;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import dev.costtrace.agent.genai.GenAiAttributes;
import dev.costtrace.agent.genai.GenAiBudget;
import dev.costtrace.agent.genai.GenAiCall;
import dev.costtrace.agent.genai.GenAiFailures;
import dev.costtrace.agent.genai.GenAiInstrumenter;
import dev.costtrace.agent.genai.GenAiSpans;
import dev.costtrace.agent.genai.GenAiStreamCall;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * What the OpenAI SDK advice calls, one static method per hook: the Responses API's spans (made
 * here, through the foundation's {@link GenAiCall} / {@link GenAiStreamCall}), time to first token
 * for the upstream agent's chat stream spans, and chat spans of our own where no upstream span
 * covers a chat call. Every method contains its own failures and, where it returns an SDK object,
 * returns the original one when anything goes wrong.
 */
public final class OpenAiTelemetry {
  public static final String INSTRUMENTATION_NAME = "dev.costtrace.openai-java";

  private static final Supplier<GenAiInstrumenter> INSTRUMENTER =
      GenAiInstrumenter.lazy(INSTRUMENTATION_NAME);

  private OpenAiTelemetry() {}

  static GenAiInstrumenter instrumenter() {
    return INSTRUMENTER.get();
  }

  /**
   * Starts the span of a non-streamed Responses call and makes it current; null when not traced.
   */
  public static GenAiCall start(ResponseCreateParams params, ClientOptions options) {
    GenAiCall call =
        GenAiCall.start(
            instrumenter(), () -> OpenAiResponsesModel.request(params, false, baseUrl(options)));
    markApiType(call == null ? null : call.context(), OpenAiResponsesModel.API_TYPE_RESPONSES);
    return call;
  }

  /** The Responses request with the budget's downgraded model, or {@code params} itself. */
  public static ResponseCreateParams downgraded(ResponseCreateParams params, String model) {
    return GenAiBudget.downgraded(params, model, (p, m) -> p.toBuilder().model(m).build());
  }

  /** The chat request with the budget's downgraded model, or {@code params} itself. */
  public static ChatCompletionCreateParams downgradedChat(
      ChatCompletionCreateParams params, String model) {
    return GenAiBudget.downgraded(params, model, (p, m) -> p.toBuilder().model(m).build());
  }

  /** Ends a blocking call's span with its response or error. */
  public static void end(GenAiCall call, Response response, Throwable error) {
    GenAiCall.end(call, response, error, OpenAiResponsesModel::response);
  }

  /** Ends an async call's span when the future completes; the app's future is left as it is. */
  public static void endAsync(GenAiCall call, CompletableFuture<Response> future, Throwable error) {
    GenAiCall.endWhenDone(call, future, error, OpenAiResponsesModel::response);
  }

  /** Starts the span of a streamed Responses call (current until the method returns). */
  public static GenAiStreamCall startStream(ResponseCreateParams params, ClientOptions options) {
    GenAiStreamCall call =
        GenAiStreamCall.start(
            instrumenter(), () -> OpenAiResponsesModel.request(params, true, baseUrl(options)));
    // A blocked call has no stream (and no span left to mark).
    markApiType(
        call == null || call.stream() == null ? null : call.stream().context(),
        OpenAiResponsesModel.API_TYPE_RESPONSES);
    return call;
  }

  /** The client's base URL, or null (an SDK without it: no server attributes). */
  private static String baseUrl(ClientOptions options) {
    try {
      return options == null ? null : options.baseUrl();
    } catch (RuntimeException | LinkageError e) {
      return null;
    }
  }

  /**
   * A {@code withRawResponse()} call returned: the app gets the raw response observed (the span
   * ends when the app parses or closes it), or the SDK's own when not traced or anything fails.
   */
  public static HttpResponseFor<Response> wrapRaw(
      GenAiCall call, HttpResponseFor<Response> raw, Throwable error) {
    if (call == null) {
      return raw;
    }
    if (error != null || raw == null) {
      end(call, null, error);
      return raw;
    }
    try {
      GenAiCall.leave(call);
      return new ObservedRawResponse(raw, call);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      endLater(call, null, null);
      return raw;
    }
  }

  /** The async raw call: its future, whose raw response is observed likewise once it completes. */
  public static CompletableFuture<HttpResponseFor<Response>> wrapRawAsync(
      GenAiCall call, CompletableFuture<HttpResponseFor<Response>> future, Throwable error) {
    if (call == null) {
      return future;
    }
    if (error != null || future == null) {
      end(call, null, error);
      return future;
    }
    try {
      GenAiCall.leave(call);
      return future.handle(
          (raw, failure) -> {
            if (failure != null) {
              endLater(call, null, failure);
              throw failure instanceof CompletionException
                  ? (CompletionException) failure
                  : new CompletionException(failure);
            }
            return raw == null ? null : new ObservedRawResponse(raw, call);
          });
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      endLater(call, null, null);
      return future;
    }
  }

  /** Ends a raw call's span, left earlier, with the parsed response or the failure. */
  static void endLater(GenAiCall call, Response response, Throwable error) {
    GenAiCall.endLater(call, response, unwrap(error), OpenAiResponsesModel::response);
  }

  private static Throwable unwrap(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
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
   * Starts a chat call's span when no gen_ai span covers it already (the upstream agent's chat span
   * normally does, and then this returns null: one span per call, or only the budget's admission
   * under that span).
   */
  public static GenAiCall startChat(Object service, ChatCompletionCreateParams params) {
    OpenAiEndpoint endpoint = OpenAiEndpoint.of(service);
    // Before start: under the upstream span a budgeted call gets an admission-only call, not null.
    boolean upstream = onUpstreamSpan(endpoint, params);
    GenAiCall call =
        GenAiCall.start(instrumenter(), () -> OpenAiChatModel.request(params, false, endpoint));
    markApiType(
        call == null || upstream ? null : call.context(),
        OpenAiChatAttributesExtractor.API_TYPE_CHAT_COMPLETIONS);
    return call;
  }

  public static void endChat(GenAiCall call, ChatCompletion completion, Throwable error) {
    GenAiCall.end(call, completion, error, OpenAiChatModel::response);
  }

  public static void endChatAsync(
      GenAiCall call, CompletableFuture<ChatCompletion> future, Throwable error) {
    GenAiCall.endWhenDone(call, future, error, OpenAiChatModel::response);
  }

  /**
   * At the SDK's chat {@code createStreaming}: when the upstream chat span is current (its proxy
   * makes it current around this call), a timer for that span's time to first token and, when a
   * budget applies, the call's admission under that span (settled from the stream's usage chunk);
   * otherwise our own stream span, admitted like every call of ours. Null when nothing applies; a
   * {@link ChatStreamCall.Blocked} when the budget blocks the call.
   */
  public static ChatStreamCall startChatStream(Object service, ChatCompletionCreateParams params) {
    try {
      Context current = Context.current();
      Span span = Span.fromContext(current);
      OpenAiEndpoint endpoint = OpenAiEndpoint.of(service);
      ChatStreamTimer timer = null;
      if (GenAiSpans.isActive(current)) {
        onUpstreamSpan(endpoint, params);
        if (span.isRecording()) {
          timer = new ChatStreamTimer(span, System.nanoTime());
        }
      }
      // Under the upstream span this is the budget's admission only (null when no rule applies).
      GenAiStreamCall call =
          GenAiStreamCall.start(
              instrumenter(), () -> OpenAiChatModel.request(params, true, endpoint));
      if (call instanceof GenAiStreamCall.Blocked) {
        return new ChatStreamCall.Blocked(call);
      }
      if (call == null) {
        return timer == null ? null : new ChatStreamCall(timer, null);
      }
      if (timer == null) {
        markApiType(
            call.stream().context(), OpenAiChatAttributesExtractor.API_TYPE_CHAT_COMPLETIONS);
      }
      return new ChatStreamCall(timer, call);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return null;
    }
  }

  /** The chat stream the upstream wrapper (or the app) reads, observed. */
  public static StreamResponse<ChatCompletionChunk> wrapChat(
      ChatStreamCall call, StreamResponse<ChatCompletionChunk> response, Throwable error) {
    if (call == null) {
      return response;
    }
    if (call.own == null) {
      return timed(response, r -> new ObservedStreamResponse<>(r, call.timer));
    }
    return GenAiStreamCall.wrap(
        call.own,
        response,
        error,
        r ->
            new ObservedStreamResponse<>(r, new ChatStreamRecorder(call.own.stream(), call.timer)));
  }

  /** The async chat stream, observed likewise. */
  public static AsyncStreamResponse<ChatCompletionChunk> wrapChatAsync(
      ChatStreamCall call, AsyncStreamResponse<ChatCompletionChunk> response, Throwable error) {
    if (call == null) {
      return response;
    }
    if (call.own == null) {
      return timed(response, r -> new ObservedAsyncStreamResponse<>(r, call.timer));
    }
    return GenAiStreamCall.wrap(
        call.own,
        response,
        error,
        r ->
            new ObservedAsyncStreamResponse<>(
                r, new ChatStreamRecorder(call.own.stream(), call.timer)));
  }

  private static <S> S timed(S response, java.util.function.Function<S, S> wrapper) {
    try {
      return response == null ? null : wrapper.apply(response);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return response;
    }
  }

  /**
   * Under a gen_ai span someone else made for this call (the upstream chat span): what only the
   * SDK's client knows, that it is an Azure OpenAI call. True when such a span covers the call.
   */
  private static boolean onUpstreamSpan(
      OpenAiEndpoint endpoint, ChatCompletionCreateParams params) {
    try {
      if (!GenAiSpans.isActive(Context.current())) {
        return false;
      }
      if (endpoint.azure()) {
        endpoint.applyTo(Span.current(), OpenAiChatModel.requestModel(params));
      }
      return true;
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return false;
    }
  }

  /** {@code openai.api.type} on a span just started ({@code context} null: none was). */
  private static void markApiType(Context context, String apiType) {
    if (context == null) {
      return;
    }
    try {
      GenAiBudget.callSpan(context).setAttribute(GenAiAttributes.OPENAI_API_TYPE, apiType);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
  }

  /**
   * A chat stream being observed: the upstream span's first-chunk timer (null when no upstream span
   * covers the call) and our call (null when not traced and not budgeted): our own span, or only
   * the budget's admission under the upstream span.
   */
  public static class ChatStreamCall {
    final ChatStreamTimer timer;
    final GenAiStreamCall own;

    ChatStreamCall(ChatStreamTimer timer, GenAiStreamCall own) {
      this.timer = timer;
      this.own = own;
    }

    /** The model the budget says to send instead of the requested one, or null. */
    public static String downgradeModel(ChatStreamCall call) {
      return call == null || call.own == null ? null : call.own.downgradeModel();
    }

    /**
     * What the advice's exit throws: the budget's exception for a blocked call, else {@code error}.
     */
    public static Throwable thrown(ChatStreamCall call, Throwable error) {
      return call instanceof Blocked ? GenAiStreamCall.thrown(call.own, error) : error;
    }

    /** A chat stream the budget blocked: advice skips the SDK method and throws {@link #thrown}. */
    public static final class Blocked extends ChatStreamCall {
      Blocked(GenAiStreamCall blocked) {
        super(null, blocked);
      }
    }
  }
}
