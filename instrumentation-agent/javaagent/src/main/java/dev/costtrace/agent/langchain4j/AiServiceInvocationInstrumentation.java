package dev.costtrace.agent.langchain4j;

import static net.bytebuddy.matcher.ElementMatchers.isDeclaredBy;
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
 * {@code DefaultAiServices}) and, for streaming services, {@code AiServiceTokenStream.start()} (the
 * model is only called there): make the invocation's {@code @MemoryId} current for the chat and
 * tool spans made inside, as their conversation ID of lowest precedence. No span of their own.
 */
public final class AiServiceInvocationInstrumentation implements TypeInstrumentation {
  static final String TOKEN_STREAM = "dev.langchain4j.service.AiServiceTokenStream";

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return nameStartsWith("dev.langchain4j.service.DefaultAiServices$").or(named(TOKEN_STREAM));
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        isMethod()
            .and(named("invoke"))
            .and(takesArguments(3))
            .and(takesArgument(2, named("dev.langchain4j.invocation.InvocationContext"))),
        AiServiceInvocationInstrumentation.class.getName() + "$InvokeAdvice");
    transformer.applyAdviceToMethod(
        isMethod()
            .and(isDeclaredBy(named(TOKEN_STREAM)))
            .and(named("start"))
            .and(takesArguments(0)),
        AiServiceInvocationInstrumentation.class.getName() + "$StartStreamAdvice");
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

  @SuppressWarnings("unused")
  public static final class StartStreamAdvice {
    private StartStreamAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Scope onEnter(
        @Advice.FieldValue("invocationContext") InvocationContext invocation) {
      return LangChain4jTelemetry.enterInvocation(
          invocation == null ? null : invocation.chatMemoryId());
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(@Advice.Enter Scope scope) {
      LangChain4jTelemetry.exitInvocation(scope);
    }
  }
}
