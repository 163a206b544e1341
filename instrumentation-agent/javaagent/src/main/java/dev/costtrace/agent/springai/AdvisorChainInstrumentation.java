package dev.costtrace.agent.springai;

import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.hasClassesNamed;
import static net.bytebuddy.matcher.ElementMatchers.isMethod;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.context.Scope;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import org.springframework.ai.chat.client.ChatClientRequest;
import org.springframework.ai.chat.client.ChatClientResponse;
import reactor.core.publisher.Flux;

/**
 * The ChatClient's advisor chain, {@code nextCall} / {@code nextStream(ChatClientRequest)}: the
 * request's {@code ChatMemory.CONVERSATION_ID} advisor parameter is made current for the model and
 * tool calls made inside (for a stream: while it is subscribed), as their conversation ID of lowest
 * precedence.
 */
public final class AdvisorChainInstrumentation implements TypeInstrumentation {
  static final String ADVISOR_CHAIN =
      "org.springframework.ai.chat.client.advisor.DefaultAroundAdvisorChain";

  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    return hasClassesNamed(ADVISOR_CHAIN);
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named(ADVISOR_CHAIN);
  }

  @Override
  public void transform(TypeTransformer transformer) {
    String request = "org.springframework.ai.chat.client.ChatClientRequest";
    transformer.applyAdviceToMethod(
        isMethod().and(named("nextCall")).and(takesArguments(1)).and(takesArgument(0, named(request))),
        AdvisorChainInstrumentation.class.getName() + "$NextCallAdvice");
    transformer.applyAdviceToMethod(
        isMethod()
            .and(named("nextStream"))
            .and(takesArguments(1))
            .and(takesArgument(0, named(request))),
        AdvisorChainInstrumentation.class.getName() + "$NextStreamAdvice");
  }

  @SuppressWarnings("unused")
  public static final class NextCallAdvice {
    private NextCallAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Scope onEnter(@Advice.Argument(0) ChatClientRequest request) {
      return SpringAiTelemetry.enterConversation(request);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(@Advice.Enter Scope scope) {
      SpringAiTelemetry.exit(scope);
    }
  }

  @SuppressWarnings("unused")
  public static final class NextStreamAdvice {
    private NextStreamAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static Scope onEnter(@Advice.Argument(0) ChatClientRequest request) {
      return SpringAiTelemetry.enterConversation(request);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter Scope scope,
        @Advice.Return(readOnly = false) Flux<ChatClientResponse> responses) {
      responses = SpringAiTelemetry.exitStream(scope, responses);
    }
  }
}
