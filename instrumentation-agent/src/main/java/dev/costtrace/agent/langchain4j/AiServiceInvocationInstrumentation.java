package dev.costtrace.agent.langchain4j;

import static net.bytebuddy.matcher.ElementMatchers.isMethod;
import static net.bytebuddy.matcher.ElementMatchers.nameStartsWith;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.langchain4j.invocation.InvocationContext;
import io.opentelemetry.context.Scope;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * The AiServices proxy's {@code invoke(Method, Object[], InvocationContext)} (an inner class of
 * {@code DefaultAiServices}): makes the invocation's {@code @MemoryId} current for the chat and
 * tool spans made inside it, as their conversation ID of lowest precedence. No span of its own.
 */
public final class AiServiceInvocationInstrumentation implements TypeInstrumentation {
  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return nameStartsWith("dev.langchain4j.service.DefaultAiServices$");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        isMethod()
            .and(named("invoke"))
            .and(takesArguments(3))
            .and(takesArgument(2, named("dev.langchain4j.invocation.InvocationContext"))),
        AiServiceInvocationInstrumentation.class.getName() + "$InvokeAdvice");
  }

  @SuppressWarnings("unused")
  public static final class InvokeAdvice {
    private InvokeAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Scope onEnter(@Advice.Argument(2) InvocationContext invocation) {
      return LangChain4jTelemetry.enterInvocation(
          invocation == null ? null : invocation.chatMemoryId());
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(@Advice.Enter Scope scope) {
      LangChain4jTelemetry.exitInvocation(scope);
    }
  }
}
