package dev.costtrace.agent.langchain4j;

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
 * {@code execute} / {@code executeWithContext} of every {@code ToolExecutor}: only reports what the
 * tool threw to the enclosing {@code execute_tool} span, which LangChain4j would otherwise only see
 * as an error result. Changes nothing: the exception goes on as before.
 */
public final class ToolExecutorInstrumentation implements TypeInstrumentation {
  static final String TOOL_EXECUTOR = "dev.langchain4j.service.tool.ToolExecutor";

  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    return hasClassesNamed(TOOL_EXECUTOR);
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return implementsInterface(named(TOOL_EXECUTOR)).and(not(isInterface()));
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        isMethod()
            .and(named("execute").or(named("executeWithContext")))
            .and(not(isAbstract()))
            .and(takesArguments(2)),
        ToolExecutorInstrumentation.class.getName() + "$ThrownAdvice");
  }

  @SuppressWarnings("unused")
  public static final class ThrownAdvice {
    private ThrownAdvice() {}

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(@Advice.Thrown Throwable error) {
      if (error != null) {
        LangChain4jToolTelemetry.thrown(error);
      }
    }
  }
}
