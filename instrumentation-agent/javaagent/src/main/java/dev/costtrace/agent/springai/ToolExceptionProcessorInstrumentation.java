package dev.costtrace.agent.springai;

import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.hasClassesNamed;
import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.implementsInterface;
import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.isInterface;
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
 * {@code ToolExecutionExceptionProcessor.process(ToolExecutionException)}: Spring AI turns a tool's
 * exception into a result for the model there, so the tool call's observation never sees it; the
 * tool span current then records what the tool threw as its {@code error.type}. The app and the
 * model see what they saw before.
 */
public final class ToolExceptionProcessorInstrumentation implements TypeInstrumentation {
  static final String PROCESSOR =
      "org.springframework.ai.tool.execution.ToolExecutionExceptionProcessor";

  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    return hasClassesNamed(PROCESSOR);
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return implementsInterface(named(PROCESSOR)).and(not(isInterface()));
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        isMethod().and(named("process")).and(takesArguments(1)).and(not(isAbstract())),
        ToolExceptionProcessorInstrumentation.class.getName() + "$ProcessAdvice");
  }

  @SuppressWarnings("unused")
  public static final class ProcessAdvice {
    private ProcessAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter(@Advice.Argument(0) Throwable exception) {
      SpringAiTelemetry.toolFailed(exception);
    }
  }
}
