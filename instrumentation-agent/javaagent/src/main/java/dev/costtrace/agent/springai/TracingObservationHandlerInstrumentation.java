package dev.costtrace.agent.springai;

import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.hasClassesNamed;
import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.implementsInterface;
import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.isMethod;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code supportsContext} of Micrometer Tracing's handlers (the ones that turn observations into
 * spans, e.g. through the OpenTelemetry bridge): false for a Spring AI model or tool observation
 * CostTrace makes the span of, so an app that wired Micrometer Tracing to OpenTelemetry does not
 * get a second span for the same call. Its other handlers (metrics) see the observation as before.
 */
public final class TracingObservationHandlerInstrumentation implements TypeInstrumentation {
  static final String TRACING_HANDLER = "io.micrometer.tracing.handler.TracingObservationHandler";

  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    return hasClassesNamed(TRACING_HANDLER);
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    // The interface's default method, and the handlers that override it.
    return named(TRACING_HANDLER).or(implementsInterface(named(TRACING_HANDLER)));
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        isMethod().and(named("supportsContext")).and(takesArguments(1)).and(not(isAbstract())),
        TracingObservationHandlerInstrumentation.class.getName() + "$SupportsContextAdvice");
  }

  @SuppressWarnings("unused")
  public static final class SupportsContextAdvice {
    private SupportsContextAdvice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void onExit(
        @Advice.Argument(0) Object context, @Advice.Return(readOnly = false) boolean supported) {
      if (supported && SpringAiTelemetry.isCovered(context)) {
        supported = false;
      }
    }
  }
}
