package dev.costtrace.agent.springai;

import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.hasClassesNamed;
import static net.bytebuddy.matcher.ElementMatchers.isMethod;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.micrometer.observation.Observation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import java.util.function.Supplier;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Micrometer's {@code ObservationDocumentation.observation(customConvention, defaultConvention,
 * contextSupplier, registry)}, which every Spring AI chat model calls for each model call ({@code
 * ChatModelObservationDocumentation.CHAT_MODEL_OPERATION}) and its tool calling manager for each
 * tool call ({@code ToolCallingObservationDocumentation.TOOL_CALL}): the observation it returns is
 * handed back wrapped, so the span starts and ends with it. Every other observation is untouched
 * (the documentation is checked before anything else).
 */
public final class ObservationDocumentationInstrumentation implements TypeInstrumentation {
  static final String OBSERVATION_DOCUMENTATION =
      "io.micrometer.observation.docs.ObservationDocumentation";

  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    return hasClassesNamed(OBSERVATION_DOCUMENTATION);
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named(OBSERVATION_DOCUMENTATION);
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        isMethod()
            .and(named("observation"))
            .and(takesArguments(4))
            .and(takesArgument(2, named("java.util.function.Supplier")))
            .and(takesArgument(3, named("io.micrometer.observation.ObservationRegistry"))),
        ObservationDocumentationInstrumentation.class.getName() + "$ObservationAdvice");
  }

  @SuppressWarnings("unused")
  public static final class ObservationAdvice {
    private ObservationAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Object onEnter(
        @Advice.This Object documentation, @Advice.Argument(2) Supplier<?> contextSupplier) {
      return SpringAiTelemetry.cover(documentation, contextSupplier);
    }

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter Object covered, @Advice.Return(readOnly = false) Observation observation) {
      observation = SpringAiTelemetry.wrap(covered, observation);
    }
  }
}
