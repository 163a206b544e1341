package dev.costtrace.agent.genai;

import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.OpenTelemetry;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.context.Context;
import io.opentelemetry.instrumentation.api.instrumenter.AttributesExtractor;
import io.opentelemetry.instrumentation.api.instrumenter.Instrumenter;
import io.opentelemetry.instrumentation.api.instrumenter.SpanKindExtractor;
import java.util.function.Supplier;

/**
 * Makes the semconv {@code execute_tool {gen_ai.tool.name}} INTERNAL span of one tool execution:
 * {@code gen_ai.operation.name=execute_tool}, tool name, call id and type (what span-pricing's tool
 * registry prices by), {@code error.type} when the tool failed. It does not mark a gen_ai client
 * span active: an LLM call the tool itself makes is a call of its own and gets its own span. Every
 * method contains its own failures.
 */
public final class GenAiToolInstrumenter {
  private final Instrumenter<GenAiToolCall, Void> instrumenter;

  private GenAiToolInstrumenter(Instrumenter<GenAiToolCall, Void> instrumenter) {
    this.instrumenter = instrumenter;
  }

  public static GenAiToolInstrumenter create(
      OpenTelemetry openTelemetry, String instrumentationName) {
    return new GenAiToolInstrumenter(
        Instrumenter.<GenAiToolCall, Void>builder(
                openTelemetry, instrumentationName, GenAiToolInstrumenter::spanName)
            .addAttributesExtractor(new ToolAttributes())
            .setSpanStatusExtractor(
                (status, call, result, error) -> {
                  if (error != null || call.errorType() != null) {
                    status.setStatus(StatusCode.ERROR);
                  }
                })
            .buildInstrumenter(SpanKindExtractor.alwaysInternal()));
  }

  /**
   * The tool instrumenter of an instrumentation on the global OpenTelemetry, made at first use
   * (after the agent installed it; advice classes are loaded earlier).
   */
  public static Supplier<GenAiToolInstrumenter> lazy(String instrumentationName) {
    return new Supplier<GenAiToolInstrumenter>() {
      private volatile GenAiToolInstrumenter instrumenter;

      @Override
      public GenAiToolInstrumenter get() {
        GenAiToolInstrumenter i = instrumenter;
        if (i == null) {
          i = create(GlobalOpenTelemetry.get(), instrumentationName);
          instrumenter = i;
        }
        return i;
      }
    };
  }

  static String spanName(GenAiToolCall call) {
    return call.name() == null
        ? GenAiAttributes.OPERATION_EXECUTE_TOOL
        : GenAiAttributes.OPERATION_EXECUTE_TOOL + " " + call.name();
  }

  /** Starts the span; {@code null} when not traced or on any failure. */
  public Context start(Context parent, GenAiToolCall call) {
    try {
      if (!instrumenter.shouldStart(parent, call)) {
        return null;
      }
      return instrumenter.start(parent, call);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return null;
    }
  }

  /** Ends a span {@link #start} returned; does nothing when {@code context} is {@code null}. */
  public void end(Context context, GenAiToolCall call, Throwable error) {
    if (context == null) {
      return;
    }
    try {
      instrumenter.end(context, call, null, error);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
  }

  private static final class ToolAttributes implements AttributesExtractor<GenAiToolCall, Void> {
    @Override
    public void onStart(AttributesBuilder attributes, Context parentContext, GenAiToolCall call) {
      attributes.put(GenAiAttributes.OPERATION_NAME, GenAiAttributes.OPERATION_EXECUTE_TOOL);
      put(attributes, GenAiAttributes.TOOL_NAME, call.name());
      put(attributes, GenAiAttributes.TOOL_CALL_ID, call.callId());
      put(attributes, GenAiAttributes.TOOL_TYPE, call.type());
      put(attributes, GenAiAttributes.TOOL_CALL_ARGUMENTS, call.arguments());
      // Lowest precedence: the attribution span processor overwrites it from baggage or parent.
      put(attributes, GenAiAttributes.CONVERSATION_ID, call.conversationId());
    }

    @Override
    public void onEnd(
        AttributesBuilder attributes,
        Context context,
        GenAiToolCall call,
        Void result,
        Throwable error) {
      if (error != null) {
        attributes.put(GenAiAttributes.ERROR_TYPE, error.getClass().getName());
      } else {
        put(attributes, GenAiAttributes.ERROR_TYPE, call.errorType());
      }
      put(attributes, GenAiAttributes.TOOL_CALL_RESULT, call.result());
    }

    private static void put(AttributesBuilder attributes, AttributeKey<String> key, String v) {
      if (v != null) {
        attributes.put(key, v);
      }
    }
  }
}
