package dev.costtrace.agent.springai;

import dev.costtrace.agent.genai.GenAiFailures;
import dev.costtrace.agent.genai.GenAiToolCall;
import dev.costtrace.agent.genai.GenAiToolInstrumenter;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import io.opentelemetry.context.Scope;
import java.lang.reflect.Method;
import org.springframework.ai.tool.observation.ToolCallingObservationContext;

/**
 * One tool call Spring AI's tool calling manager runs, as the {@code execute_tool {name}} span made
 * by the foundation's {@link GenAiToolInstrumenter}: tool name, call ID (Spring AI 2.0 records it;
 * 1.x does not), type {@code function}, the ChatClient's conversation ID; arguments and result only
 * with content capture on. Spring AI turns a tool's exception into a result for the model, so what
 * the tool threw is reported by {@link #failed} and recorded as {@code error.type}.
 */
final class SpringAiToolCall extends ObservedCall {
  static final ContextKey<GenAiToolCall> CURRENT =
      ContextKey.named("costtrace-spring-ai-tool-call");

  /** {@code getToolCallId()}: Spring AI 2.0 on; null where the context has none. */
  private static final ClassValue<Method> TOOL_CALL_ID =
      new ClassValue<Method>() {
        @Override
        protected Method computeValue(Class<?> type) {
          try {
            return type.getMethod("getToolCallId");
          } catch (NoSuchMethodException e) {
            return null;
          }
        }
      };

  private final ToolCallingObservationContext observed;
  private final boolean content;
  private GenAiToolCall call;
  private Context context;
  private Scope scope;
  private Throwable error;

  SpringAiToolCall(ToolCallingObservationContext observed) {
    this.observed = observed;
    this.content = SpringAiTelemetry.captureContent();
  }

  @Override
  void startAround() {
    start();
    if (context != null) {
      scope = context.with(CURRENT, call).makeCurrent();
    }
  }

  @Override
  void endAround(Object result, Throwable error) {
    if (scope != null) {
      scope.close();
    }
    end(error);
  }

  @Override
  void start() {
    call =
        new GenAiToolCall(
            observed.getToolDefinition().name(),
            toolCallId(observed),
            GenAiToolCall.TYPE_FUNCTION,
            content ? observed.getToolCallArguments() : null,
            SpringAiTelemetry.conversationId());
    context = SpringAiTelemetry.toolInstrumenter().start(Context.current(), call);
  }

  @Override
  void error(Throwable error) {
    this.error = error;
  }

  @Override
  void stop() {
    end(error);
  }

  private void end(Throwable error) {
    if (context == null) {
      return;
    }
    if (content) {
      call.result(observed.getToolCallResult());
    }
    SpringAiTelemetry.toolInstrumenter().end(context, call, error);
    context = null;
  }

  /** What the tool threw, reported where Spring AI turns it into a result for the model. */
  static void failed(Throwable exception) {
    try {
      GenAiToolCall call = Context.current().get(CURRENT);
      if (call != null && exception != null) {
        Throwable cause = exception.getCause() != null ? exception.getCause() : exception;
        call.errorType(cause.getClass().getName());
      }
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
  }

  static String toolCallId(Object context) {
    try {
      Method m = TOOL_CALL_ID.get(context.getClass());
      Object id = m == null ? null : m.invoke(context);
      return id == null ? null : id.toString();
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return null;
    }
  }
}
