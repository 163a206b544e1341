package dev.costtrace.agent.springai;

import dev.costtrace.agent.genai.GenAiCall;
import dev.costtrace.agent.genai.GenAiFailures;
import dev.costtrace.agent.genai.GenAiRequest;
import dev.costtrace.agent.genai.GenAiStream;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import io.opentelemetry.context.Scope;
import java.util.HashSet;
import java.util.Set;
import org.springframework.ai.chat.metadata.Usage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.observation.ChatModelObservationContext;
import reactor.core.publisher.Flux;

/**
 * One Spring AI model call, traced around its observation: a blocking call ({@code observe})
 * through the foundation's {@link GenAiCall}, a streamed one ({@code start} ... {@code stop})
 * through a {@link GenAiStream}. While the call runs its context also holds this object ({@link
 * #CURRENT}), so that {@link #reportUsage} can give it the call's own usage.
 *
 * <p>Which usage: Spring AI 1.x models run tool calls themselves and call the model again, adding
 * each call's usage to the previous ones' ({@code UsageCalculator.getCumulativeUsage}) and dropping
 * the provider's native usage on the way; the response of the second call thus carries both calls'
 * tokens. The usage passed into that sum is this call's alone, with the native usage (cached and
 * reasoning tokens) — it wins. For a stream, the last usage a streamed response carried; for a 1.x
 * stream whose responses came from more than one model response (the loop's later calls are merged
 * into the first call's stream there), only what Spring AI aggregated is known.
 */
final class SpringAiChatCall extends ObservedCall {
  static final ContextKey<SpringAiChatCall> CURRENT =
      ContextKey.named("costtrace-spring-ai-chat-call");

  /** A stream started on this thread whose responses its aggregator has not been given yet. */
  private static final ThreadLocal<SpringAiChatCall> STARTED_STREAM = new ThreadLocal<>();

  private final ChatModelObservationContext observed;
  private final String conversationId;
  private GenAiRequest request;

  private GenAiCall call;
  private Scope scope;

  private GenAiStream stream;
  private volatile Throwable streamError;
  private volatile Usage streamedUsage;
  private final Set<String> streamedIds = new HashSet<>();

  private volatile Usage reportedUsage;

  SpringAiChatCall(ChatModelObservationContext observed) {
    this.observed = observed;
    this.conversationId = SpringAiTelemetry.conversationId();
  }

  @Override
  void startAround() {
    call = GenAiCall.start(SpringAiTelemetry.instrumenter(), () -> request = request(false));
    if (call instanceof GenAiCall.Blocked) {
      Throwable blocked = GenAiCall.thrown(call, null);
      call = null;
      throw (RuntimeException) blocked;
    }
    if (call != null) {
      scope = call.context().with(CURRENT, this).makeCurrent();
    }
  }

  @Override
  void endAround(Object result, Throwable error) {
    if (scope != null) {
      scope.close();
    }
    ChatResponse response = observed.getResponse();
    if (response == null && result instanceof ChatResponse) {
      response = (ChatResponse) result;
    }
    GenAiCall.end(
        call,
        response,
        error,
        r -> SpringAiModels.response(r, usage(r), request.provider()).build());
  }

  @Override
  void start() {
    request = request(true);
    GenAiStream s = SpringAiTelemetry.instrumenter().startStream(Context.current(), request);
    if (!s.isRecording()) {
      return;
    }
    stream = s;
    Scope current = s.context().with(CURRENT, this).makeCurrent();
    if (!SpringAiStreams.keepUntilSubscribed(current)) {
      current.close();
    }
    STARTED_STREAM.set(this);
  }

  @Override
  void error(Throwable error) {
    streamError = error;
  }

  @Override
  void stop() {
    if (STARTED_STREAM.get() == this) {
      STARTED_STREAM.remove();
    }
    GenAiStream s = stream;
    if (s == null) {
      return;
    }
    try {
      ChatResponse response = observed.getResponse();
      if (response != null) {
        SpringAiModels.fill(s.response(), response, usage(response), request.provider());
      }
    } catch (Throwable t) {
      GenAiFailures.contain(t); // the span ends without response attributes
    }
    if (streamError != null) {
      s.fail(streamError);
    } else {
      s.complete();
    }
  }

  private GenAiRequest request(boolean streaming) {
    return SpringAiModels.request(observed, streaming, conversationId);
  }

  /** One streamed response on its way to the app: time to first token, the call's usage. */
  void onChunk(ChatResponse chunk) {
    try {
      GenAiStream s = stream;
      if (s == null || chunk == null) {
        return;
      }
      s.onChunk();
      if (chunk.getMetadata() != null) {
        String id = chunk.getMetadata().getId();
        if (id != null && !id.isEmpty()) {
          synchronized (streamedIds) {
            streamedIds.add(id);
          }
        }
        Usage usage = chunk.getMetadata().getUsage();
        if (!SpringAiModels.isEmpty(usage)) {
          streamedUsage = usage;
        }
      }
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
  }

  /** This call's usage: see the class comment for the order. */
  private Usage usage(ChatResponse response) {
    Usage fromResponse = response.getMetadata() == null ? null : response.getMetadata().getUsage();
    synchronized (streamedIds) {
      if (streamedIds.size() > 1) {
        return fromResponse;
      }
    }
    if (reportedUsage != null) {
      return reportedUsage;
    }
    return streamedUsage != null ? streamedUsage : fromResponse;
  }

  /**
   * The responses a streaming model hands its aggregator, observed by the stream call this thread
   * just started (the model starts its observation right before); {@code responses} otherwise.
   */
  static Flux<ChatResponse> observeStartedStream(Flux<ChatResponse> responses) {
    try {
      SpringAiChatCall started = STARTED_STREAM.get();
      if (started == null || responses == null) {
        return responses;
      }
      STARTED_STREAM.remove();
      return responses.doOnNext(started::onChunk);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return responses;
    }
  }

  /** This model call's own usage, as the model passes it to {@code getCumulativeUsage}. */
  static void reportUsage(Usage usage) {
    try {
      SpringAiChatCall current = Context.current().get(CURRENT);
      if (current != null && !SpringAiModels.isEmpty(usage)) {
        current.reportedUsage = usage;
      }
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
  }
}
