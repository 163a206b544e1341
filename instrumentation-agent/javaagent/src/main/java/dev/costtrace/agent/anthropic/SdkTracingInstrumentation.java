package dev.costtrace.agent.anthropic;

import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.implementation.bytecode.assign.Assigner;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * anthropic-java 3.x traces its own API calls, on by default, with the tracer provider the agent
 * registers as {@code GlobalOpenTelemetry}: under our span it would add a second gen_ai span
 * ({@code anthropic.messages.create}, scope {@code com.anthropic.sdk.java}) with usage the receiver
 * prices again. The SDK asks {@code TraceApiCall.tracer(ClientOptions)} once at the start of every
 * API call and makes no span when it gets null (its own "tracing off" path); inside a gen_ai span
 * of ours that is what it gets. The return value is typed {@code Object}: the app's OpenTelemetry
 * API is not the agent's (shaded) one.
 */
final class SdkTracingInstrumentation implements TypeInstrumentation {
  static final String TRACE_API_CALL = "com.anthropic.core.opentelemetry.TraceApiCall";

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named(TRACE_API_CALL);
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        named("tracer")
            .and(isStatic())
            .and(takesArguments(1))
            .and(returns(named("io.opentelemetry.api.trace.Tracer"))),
        SdkTracingInstrumentation.class.getName() + "$TracerAdvice");
  }

  @SuppressWarnings("unused")
  public static final class TracerAdvice {
    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void onExit(
        @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC) Object tracer) {
      if (tracer != null && AnthropicTelemetry.tracedByUs()) {
        tracer = null;
      }
    }
  }
}
