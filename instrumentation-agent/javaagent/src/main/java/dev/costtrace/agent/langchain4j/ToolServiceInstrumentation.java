package dev.costtrace.agent.langchain4j;

import static net.bytebuddy.matcher.ElementMatchers.isStatic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.invocation.InvocationContext;
import dev.langchain4j.service.tool.ToolExecutionResult;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/** {@code ToolService.executeWithErrorHandling}: one {@code execute_tool} span per execution. */
public final class ToolServiceInstrumentation implements TypeInstrumentation {
  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("dev.langchain4j.service.tool.ToolService");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        isStatic()
            .and(named("executeWithErrorHandling"))
            .and(takesArgument(0, named("dev.langchain4j.agent.tool.ToolExecutionRequest")))
            .and(takesArgument(2, named("dev.langchain4j.invocation.InvocationContext"))),
        ToolServiceInstrumentation.class.getName() + "$ExecuteAdvice");
  }

  @SuppressWarnings("unused")
  public static final class ExecuteAdvice {
    private ExecuteAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static LangChain4jToolTelemetry.ToolSpan onEnter(
        @Advice.Argument(0) ToolExecutionRequest request,
        @Advice.Argument(2) InvocationContext invocation) {
      return LangChain4jToolTelemetry.start(request, invocation);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter LangChain4jToolTelemetry.ToolSpan span,
        @Advice.Return ToolExecutionResult result,
        @Advice.Thrown Throwable error) {
      LangChain4jToolTelemetry.end(span, result, error);
    }
  }
}
