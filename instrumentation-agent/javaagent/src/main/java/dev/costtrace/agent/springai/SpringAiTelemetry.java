package dev.costtrace.agent.springai;

import dev.costtrace.agent.genai.GenAiFailures;
import dev.costtrace.agent.genai.GenAiInstrumenter;
import dev.costtrace.agent.genai.GenAiSettings;
import dev.costtrace.agent.genai.GenAiSpans;
import dev.costtrace.agent.genai.GenAiToolInstrumenter;
import io.micrometer.observation.Observation;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import io.opentelemetry.context.Scope;
import java.util.function.Supplier;
import org.springframework.ai.chat.client.ChatClientRequest;
import org.springframework.ai.chat.metadata.Usage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.observation.ChatModelObservationContext;
import org.springframework.ai.chat.observation.ChatModelObservationDocumentation;
import org.springframework.ai.tool.observation.ToolCallingObservationContext;
import org.springframework.ai.tool.observation.ToolCallingObservationDocumentation;
import reactor.core.publisher.Flux;

/**
 * What the Spring AI advice calls. Every method contains its own failures and, where it returns a
 * Spring AI or Micrometer object, returns the original one when anything goes wrong.
 *
 * <p>The span of a model call is made around Spring AI's own observation of it (see {@link
 * ObservationDocumentationInstrumentation}); the observation's context is marked as covered, so
 * that Micrometer Tracing, if the app wired it to OpenTelemetry, makes no span of its own for it
 * (one span per call). A model call made while another gen_ai span is active gets no span (the
 * outer one covers it) but is still marked.
 */
public final class SpringAiTelemetry {
  public static final String INSTRUMENTATION_NAME = "dev.costtrace.spring-ai";

  /** Key in a covered observation's context: CostTrace makes the span of that call. */
  static final String COVERED = "dev.costtrace.agent.gen_ai_span";

  /** {@code ChatMemory.CONVERSATION_ID}, the advisor parameter naming the conversation. */
  static final String CONVERSATION_ID_PARAM = "chat_memory_conversation_id";

  /** {@code ChatMemory.DEFAULT_CONVERSATION_ID}: what advisors use when the app names none. */
  static final String DEFAULT_CONVERSATION_ID = "default";

  /** The ChatClient request's conversation ID, for the model and tool calls made under it. */
  static final ContextKey<String> CONVERSATION =
      ContextKey.named("costtrace-spring-ai-conversation");

  private static final Supplier<GenAiInstrumenter> INSTRUMENTER =
      GenAiInstrumenter.lazy(INSTRUMENTATION_NAME);
  private static final Supplier<GenAiToolInstrumenter> TOOL_INSTRUMENTER =
      GenAiToolInstrumenter.lazy(INSTRUMENTATION_NAME);
  private static final boolean CAPTURE_CONTENT = GenAiSettings.fromSystem().captureContent();

  private SpringAiTelemetry() {}

  static GenAiInstrumenter instrumenter() {
    return INSTRUMENTER.get();
  }

  static GenAiToolInstrumenter toolInstrumenter() {
    return TOOL_INSTRUMENTER.get();
  }

  static boolean captureContent() {
    return CAPTURE_CONTENT;
  }

  /**
   * At {@code ObservationDocumentation.observation(...)}: for a Spring AI model or tool call, its
   * observation context, marked as covered; null for any other observation (nothing else is done
   * for those) and for a model call another gen_ai span already covers.
   */
  public static Object cover(Object documentation, Supplier<?> contextSupplier) {
    try {
      if (documentation instanceof ChatModelObservationDocumentation) {
        Object context = contextSupplier.get();
        if (context instanceof ChatModelObservationContext) {
          ((ChatModelObservationContext) context).put(COVERED, Boolean.TRUE);
          return GenAiSpans.isActive(Context.current()) ? null : context;
        }
      } else if (documentation instanceof ToolCallingObservationDocumentation) {
        Object context = contextSupplier.get();
        if (context instanceof ToolCallingObservationContext) {
          ((ToolCallingObservationContext) context).put(COVERED, Boolean.TRUE);
          return context;
        }
      }
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
    return null;
  }

  /** The observation Spring AI gets: {@code observation} wrapped for a covered call. */
  public static Observation wrap(Object covered, Observation observation) {
    if (covered == null || observation == null) {
      return observation;
    }
    try {
      if (covered instanceof ChatModelObservationContext) {
        return InterceptedObservation.wrap(
            observation, new SpringAiChatCall((ChatModelObservationContext) covered));
      }
      if (covered instanceof ToolCallingObservationContext) {
        return InterceptedObservation.wrap(
            observation, new SpringAiToolCall((ToolCallingObservationContext) covered));
      }
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
    return observation;
  }

  /** True for the context of an observation CostTrace makes the span of. Never throws. */
  public static boolean isCovered(Object observationContext) {
    try {
      return observationContext instanceof Observation.Context
          && ((Observation.Context) observationContext).containsKey(COVERED);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return false;
    }
  }

  /** Makes the request's conversation ID current; null when it names none. */
  public static Scope enterConversation(ChatClientRequest request) {
    try {
      Object value = request == null ? null : request.context().get(CONVERSATION_ID_PARAM);
      String id = value == null ? null : value.toString().trim();
      if (id == null || id.isEmpty() || id.equals(DEFAULT_CONVERSATION_ID)) {
        return null;
      }
      return Context.current().with(CONVERSATION, id).makeCurrent();
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return null;
    }
  }

  public static void exit(Scope scope) {
    if (scope != null) {
      try {
        scope.close();
      } catch (Throwable t) {
        GenAiFailures.contain(t);
      }
    }
  }

  /**
   * An advisor's stream was made under {@code scope} (closed here): the flux the app gets
   * subscribes with the request's conversation current.
   */
  public static <T> Flux<T> exitStream(Scope scope, Flux<T> responses) {
    try {
      return SpringAiStreams.subscribeInCallerContext(responses);
    } finally {
      exit(scope);
    }
  }

  /** See {@link SpringAiStreams#subscribeInCallerContext}. */
  public static <T> Flux<T> subscribeInCallerContext(Flux<T> flux) {
    return SpringAiStreams.subscribeInCallerContext(flux);
  }

  /** See {@link SpringAiChatCall#observeStartedStream}. */
  public static Flux<ChatResponse> observeStartedStream(Flux<ChatResponse> responses) {
    return SpringAiChatCall.observeStartedStream(responses);
  }

  /** See {@link SpringAiChatCall#reportUsage}. */
  public static void reportUsage(Usage usage) {
    SpringAiChatCall.reportUsage(usage);
  }

  /** See {@link SpringAiToolCall#failed}. */
  public static void toolFailed(Throwable exception) {
    SpringAiToolCall.failed(exception);
  }

  /** The conversation ID of the ChatClient request in progress, or null. */
  static String conversationId() {
    return Context.current().get(CONVERSATION);
  }
}
