package dev.costtrace.agent.anthropic;

import com.anthropic.core.http.AsyncStreamResponse;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import dev.costtrace.agent.genai.GenAiBudget;
import dev.costtrace.agent.genai.GenAiCall;
import dev.costtrace.agent.genai.GenAiFailures;
import dev.costtrace.agent.genai.GenAiInstrumenter;
import dev.costtrace.agent.genai.GenAiSpans;
import dev.costtrace.agent.genai.GenAiStreamCall;
import io.opentelemetry.context.Context;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * What the advice calls, one static method per hook, on the foundation's {@link GenAiCall} / {@link
 * GenAiStreamCall}. Every method contains its own failures and, where it returns an SDK object,
 * returns the original one when anything goes wrong.
 */
public final class AnthropicTelemetry {
  public static final String INSTRUMENTATION_NAME = "dev.costtrace.anthropic-java";

  private static final Supplier<GenAiInstrumenter> INSTRUMENTER =
      GenAiInstrumenter.lazy(INSTRUMENTATION_NAME);

  private AnthropicTelemetry() {}

  static GenAiInstrumenter instrumenter() {
    return INSTRUMENTER.get();
  }

  /**
   * True when the current context is inside a gen_ai span of ours (this instrumentation's or a
   * framework's above the SDK, e.g. Spring AI): the SDK's own tracing then makes no span.
   */
  public static boolean tracedByUs() {
    try {
      return GenAiSpans.isActive(Context.current());
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return false; // the SDK's span then stays, as without the agent
    }
  }

  /** Starts the span of a non-streamed call and makes it current; null when not traced. */
  public static GenAiCall start(MessageCreateParams params) {
    return GenAiCall.start(instrumenter(), () -> AnthropicModel.request(params, false));
  }

  /** The request with the budget's downgraded model, or {@code params} itself. */
  public static MessageCreateParams downgraded(MessageCreateParams params, String model) {
    return GenAiBudget.downgraded(params, model, (p, m) -> p.toBuilder().model(m).build());
  }

  /** Ends a blocking call's span with its message or error (a malformed message: no response). */
  public static void end(GenAiCall call, Message message, Throwable error) {
    GenAiCall.end(call, message, error, AnthropicModel::response);
  }

  /** Ends an async call's span when the future completes; returns nothing new. */
  public static void endAsync(GenAiCall call, CompletableFuture<Message> future, Throwable error) {
    GenAiCall.endWhenDone(call, future, error, AnthropicModel::response);
  }

  /** Starts the span of a streamed call (made current until the method returns); null when not. */
  public static GenAiStreamCall startStream(MessageCreateParams params) {
    return GenAiStreamCall.start(instrumenter(), () -> AnthropicModel.request(params, true));
  }

  /** The stream the app gets: the SDK's own, wrapped to record events and end the span. */
  public static StreamResponse<RawMessageStreamEvent> wrap(
      GenAiStreamCall call, StreamResponse<RawMessageStreamEvent> response, Throwable error) {
    return GenAiStreamCall.wrap(
        call,
        response,
        error,
        r -> new TracingStreamResponse(r, new AnthropicStreamRecorder(call.stream())));
  }

  /** The async stream the app gets, wrapped likewise. */
  public static AsyncStreamResponse<RawMessageStreamEvent> wrapAsync(
      GenAiStreamCall call, AsyncStreamResponse<RawMessageStreamEvent> response, Throwable error) {
    return GenAiStreamCall.wrap(
        call,
        response,
        error,
        r -> new TracingAsyncStreamResponse(r, new AnthropicStreamRecorder(call.stream())));
  }
}
