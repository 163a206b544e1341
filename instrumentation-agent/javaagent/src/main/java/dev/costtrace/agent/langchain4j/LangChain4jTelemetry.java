package dev.costtrace.agent.langchain4j;

import dev.costtrace.agent.genai.GenAiAttributes;
import dev.costtrace.agent.genai.GenAiBudget;
import dev.costtrace.agent.genai.GenAiFailures;
import dev.costtrace.agent.genai.GenAiInstrumenter;
import dev.costtrace.agent.genai.GenAiRequest;
import dev.costtrace.agent.genai.GenAiResponse;
import dev.costtrace.agent.genai.GenAiSettings;
import dev.costtrace.agent.genai.GenAiStream;
import dev.costtrace.budget.api.ConversationBudgetExceededException;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import io.opentelemetry.context.Scope;
import java.util.function.Supplier;

/**
 * What the chat model advice calls, one static method per hook. Every method contains its own
 * failures and, where it returns a LangChain4j object, returns the original when anything fails.
 *
 * <p>The span covers {@code doChat}: the model's default parameters are merged by then (so the
 * request model is known), the provider's retries happen inside it (one span per call, not per
 * attempt), and the HTTP request is sent from it with this span current, which is what keeps the
 * JDK HttpClient capture from making a second span.
 */
public final class LangChain4jTelemetry {
  public static final String INSTRUMENTATION_NAME = "dev.costtrace.langchain4j";

  /** The AiServices {@code @MemoryId} of the invocation in progress (not a span). */
  static final ContextKey<String> MEMORY_ID = ContextKey.named("costtrace-langchain4j-memory-id");

  /**
   * The span of a call to a model with no known provider (an in-house model wrapping a vendor's): a
   * known model it calls inside makes no span of its own (one span per call) but names the provider
   * underneath on this one.
   */
  static final ContextKey<UnknownProviderCall> UNKNOWN_PROVIDER_CALL =
      ContextKey.named("costtrace-langchain4j-unknown-provider-call");

  /** {@code costtrace.agent.stream.timeout}, read where LangChain4j runs. */
  static final long STREAM_TIMEOUT_MILLIS = GenAiSettings.fromSystem().streamTimeoutMillis();

  private static final Supplier<GenAiInstrumenter> INSTRUMENTER =
      GenAiInstrumenter.lazy(INSTRUMENTATION_NAME);

  private LangChain4jTelemetry() {}

  static GenAiInstrumenter instrumenter() {
    return INSTRUMENTER.get();
  }

  /** The memory ID an enclosing AiServices invocation made current, as a conversation ID. */
  static String memoryConversationId() {
    return Context.current().get(MEMORY_ID);
  }

  /**
   * The context to make current for a call's span; a call inside another model's call whose
   * provider is unknown names its provider there instead.
   */
  static Context scoped(Context parent, Context context, GenAiRequest r) {
    UnknownProviderCall outer = parent.get(UNKNOWN_PROVIDER_CALL);
    if (outer != null && !r.provider().equals(LangChain4jSemconv.UNKNOWN_PROVIDER)) {
      outer.span.setAttribute(GenAiAttributes.PROVIDER_NAME, r.provider());
      if (outer.request.requestModel() == null && r.requestModel() != null) {
        outer.span.setAttribute(GenAiAttributes.REQUEST_MODEL, r.requestModel());
      }
    }
    if (context == null) {
      return null;
    }
    return r.provider().equals(LangChain4jSemconv.UNKNOWN_PROVIDER)
        ? context.with(
            UNKNOWN_PROVIDER_CALL, new UnknownProviderCall(GenAiBudget.callSpan(context), r))
        : context;
  }

  /** Starts the span of a blocking call and makes it current; null when not traced. */
  public static ChatCall startChat(Object model, ChatRequest request) {
    try {
      GenAiRequest r = LangChain4jModels.request(model, request, false, memoryConversationId());
      Context parent = Context.current();
      Context context = scoped(parent, instrumenter().start(parent, r), r);
      if (context == null) {
        return null;
      }
      return new ChatCall(r, context, context.makeCurrent());
    } catch (ConversationBudgetExceededException e) {
      return new BlockedChatCall(e);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return null;
    }
  }

  public static void endChat(ChatCall call, ChatResponse response, Throwable error) {
    if (call == null || call instanceof BlockedChatCall) {
      return;
    }
    try {
      call.scope.close();
      GenAiResponse r = null;
      if (response != null) {
        try {
          r = LangChain4jModels.response(response);
        } catch (Throwable t) {
          GenAiFailures.contain(t); // the span ends without response attributes
        }
      }
      instrumenter().end(call.context, call.request, r, error);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
  }

  /** Starts the span of a streamed call, current while {@code doChat} runs; null when not. */
  public static StreamCall startStream(Object model, ChatRequest request) {
    try {
      GenAiRequest r = LangChain4jModels.request(model, request, true, memoryConversationId());
      Context parent = Context.current();
      GenAiStream stream = instrumenter().startStream(parent, r);
      Context context = scoped(parent, stream.isRecording() ? stream.context() : null, r);
      if (context == null) {
        return null;
      }
      // The span ends when the model calls the handler back; a model that never does must not
      // leave it open forever.
      stream.timeoutAfter(STREAM_TIMEOUT_MILLIS);
      return new StreamCall(stream, parent, context.makeCurrent());
    } catch (ConversationBudgetExceededException e) {
      return new BlockedStreamCall(e);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return null;
    }
  }

  /** The handler {@code doChat} gets: the app's, seen by the stream; the original on failure. */
  public static StreamingChatResponseHandler handler(
      StreamCall call, StreamingChatResponseHandler handler) {
    if (call == null || handler == null || call instanceof BlockedStreamCall) {
      return handler;
    }
    try {
      return TracingStreamingHandler.wrap(handler, call.stream, call.caller);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      call.stream.close();
      return handler;
    }
  }

  /** {@code doChat} returned (the stream goes on) or threw (the stream is over). */
  public static void exitStream(StreamCall call, Throwable error) {
    if (call == null || call instanceof BlockedStreamCall) {
      return;
    }
    try {
      call.scope.close();
      if (error != null) {
        call.stream.fail(error);
      }
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
  }

  /** The request with the budget's downgraded model, or {@code request} itself. */
  public static ChatRequest downgraded(ChatRequest request, ChatCall call) {
    return downgradedTo(
        request,
        call == null || call.context == null ? null : GenAiBudget.downgradeModel(call.context));
  }

  /** The streamed request with the budget's downgraded model, or {@code request} itself. */
  public static ChatRequest downgraded(ChatRequest request, StreamCall call) {
    return downgradedTo(
        request,
        call == null || call.stream == null
            ? null
            : GenAiBudget.downgradeModel(call.stream.context()));
  }

  private static ChatRequest downgradedTo(ChatRequest request, String model) {
    return GenAiBudget.downgraded(
        request,
        model,
        (r, m) ->
            r.toBuilder()
                .parameters(
                    r.parameters()
                        .overrideWith(ChatRequestParameters.builder().modelName(m).build()))
                .build());
  }

  /**
   * What the advice's exit throws: the budget's exception for a blocked call, else {@code error}.
   */
  public static Throwable thrown(Object call, Throwable error) {
    if (call instanceof BlockedChatCall) {
      return ((BlockedChatCall) call).exception;
    }
    if (call instanceof BlockedStreamCall) {
      return ((BlockedStreamCall) call).exception;
    }
    return error;
  }

  /** A blocking call the budget blocked: nothing is sent, the advice throws. */
  public static final class BlockedChatCall extends ChatCall {
    final RuntimeException exception;

    BlockedChatCall(RuntimeException exception) {
      super(null, null, null);
      this.exception = exception;
    }
  }

  /** A streamed call the budget blocked. */
  public static final class BlockedStreamCall extends StreamCall {
    final RuntimeException exception;

    BlockedStreamCall(RuntimeException exception) {
      super(null, null, null);
      this.exception = exception;
    }
  }

  /** Makes an AiServices invocation's memory ID current; null when it has none. */
  public static Scope enterInvocation(Object memoryId) {
    try {
      String id = LangChain4jSemconv.conversationId(memoryId);
      return id == null ? null : Context.current().with(MEMORY_ID, id).makeCurrent();
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return null;
    }
  }

  public static void exitInvocation(Scope scope) {
    if (scope != null) {
      try {
        scope.close();
      } catch (Throwable t) {
        GenAiFailures.contain(t);
      }
    }
  }

  /** The span and request of a call whose model has no known provider. */
  static final class UnknownProviderCall {
    final Span span;
    final GenAiRequest request;

    UnknownProviderCall(Span span, GenAiRequest request) {
      this.span = span;
      this.request = request;
    }
  }

  /** A started blocking call: request, span context, scope. */
  public static class ChatCall {
    final GenAiRequest request;
    final Context context;
    final Scope scope;

    ChatCall(GenAiRequest request, Context context, Scope scope) {
      this.request = request;
      this.context = context;
      this.scope = scope;
    }
  }

  /**
   * A started streamed call: the accumulator, the caller's context (where the app's handler runs)
   * and the scope open while {@code doChat} runs.
   */
  public static class StreamCall {
    final GenAiStream stream;
    final Context caller;
    final Scope scope;

    StreamCall(GenAiStream stream, Context caller, Scope scope) {
      this.stream = stream;
      this.caller = caller;
      this.scope = scope;
    }
  }
}
