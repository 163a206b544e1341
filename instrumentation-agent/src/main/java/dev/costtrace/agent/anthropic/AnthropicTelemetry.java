package dev.costtrace.agent.anthropic;

import com.anthropic.core.http.AsyncStreamResponse;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import dev.costtrace.agent.genai.GenAiFailures;
import dev.costtrace.agent.genai.GenAiInstrumenter;
import dev.costtrace.agent.genai.GenAiRequest;
import dev.costtrace.agent.genai.GenAiResponse;
import dev.costtrace.agent.genai.GenAiStream;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.Scope;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * What the advice calls, one static method per hook. Every method contains its own failures and,
 * where it returns an SDK object, returns the original one when anything goes wrong.
 */
public final class AnthropicTelemetry {
  public static final String INSTRUMENTATION_NAME = "dev.costtrace.anthropic-java";

  private static volatile GenAiInstrumenter instrumenter;

  private AnthropicTelemetry() {}

  static GenAiInstrumenter instrumenter() {
    GenAiInstrumenter i = instrumenter;
    if (i == null) {
      i = GenAiInstrumenter.create(GlobalOpenTelemetry.get(), INSTRUMENTATION_NAME);
      instrumenter = i;
    }
    return i;
  }

  /** Starts the span of a non-streamed call and makes it current; null when not traced. */
  public static AnthropicCall start(MessageCreateParams params) {
    try {
      GenAiRequest request = AnthropicModel.request(params, false);
      Context context = instrumenter().start(Context.current(), request);
      if (context == null) {
        return null;
      }
      return new AnthropicCall(request, context, context.makeCurrent());
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return null;
    }
  }

  /** Ends a blocking call's span with its message or error. */
  public static void end(AnthropicCall call, Message message, Throwable error) {
    if (call == null) {
      return;
    }
    try {
      call.scope.close();
      call.endWith(message, error);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
  }

  /** Ends an async call's span when the future completes; returns nothing new. */
  public static void endAsync(
      AnthropicCall call, CompletableFuture<Message> future, Throwable error) {
    if (call == null) {
      return;
    }
    try {
      call.scope.close();
      if (error != null || future == null) {
        call.endWith(null, error);
        return;
      }
      future.whenComplete((message, failure) -> call.endWith(message, unwrap(failure)));
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
  }

  /** Starts the span of a streamed call (made current until the method returns); null when not. */
  public static AnthropicStreamCall startStream(MessageCreateParams params) {
    try {
      GenAiRequest request = AnthropicModel.request(params, true);
      GenAiStream stream = instrumenter().startStream(Context.current(), request);
      if (!stream.isRecording()) {
        return null;
      }
      return new AnthropicStreamCall(stream, stream.context().makeCurrent());
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return null;
    }
  }

  /** The stream the app gets: the SDK's own, wrapped to record events and end the span. */
  public static StreamResponse<RawMessageStreamEvent> wrap(
      AnthropicStreamCall call, StreamResponse<RawMessageStreamEvent> response, Throwable error) {
    if (call == null) {
      return response;
    }
    try {
      call.scope.close();
      if (error != null || response == null) {
        call.stream.fail(error);
        return response;
      }
      return new TracingStreamResponse(response, new AnthropicStreamRecorder(call.stream));
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      call.stream.close();
      return response;
    }
  }

  /** The async stream the app gets, wrapped likewise. */
  public static AsyncStreamResponse<RawMessageStreamEvent> wrapAsync(
      AnthropicStreamCall call,
      AsyncStreamResponse<RawMessageStreamEvent> response,
      Throwable error) {
    if (call == null) {
      return response;
    }
    try {
      call.scope.close();
      if (error != null || response == null) {
        call.stream.fail(error);
        return response;
      }
      return new TracingAsyncStreamResponse(response, new AnthropicStreamRecorder(call.stream));
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      call.stream.close();
      return response;
    }
  }

  static Throwable unwrap(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }

  /** A started non-streamed call: its request, span context and scope. */
  public static final class AnthropicCall {
    final GenAiRequest request;
    final Context context;
    final Scope scope;

    AnthropicCall(GenAiRequest request, Context context, Scope scope) {
      this.request = request;
      this.context = context;
      this.scope = scope;
    }

    void endWith(Message message, Throwable error) {
      GenAiResponse response = null;
      if (message != null) {
        try {
          response = AnthropicModel.response(message);
        } catch (Throwable t) {
          // A malformed message: the span ends without response attributes.
          GenAiFailures.contain(t);
        }
      }
      instrumenter().end(context, request, response, error);
    }
  }

  /** A started streamed call: the accumulator and the scope open while the method runs. */
  public static final class AnthropicStreamCall {
    final GenAiStream stream;
    final Scope scope;

    AnthropicStreamCall(GenAiStream stream, Scope scope) {
      this.stream = stream;
      this.scope = scope;
    }
  }
}
