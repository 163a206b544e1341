package dev.costtrace.agent.springai;

import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.hasClassesNamed;
import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.implementsInterface;
import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.isInterface;
import static net.bytebuddy.matcher.ElementMatchers.isMethod;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
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
 * Every ChatClient advisor's {@code adviseCall} / {@code adviseStream(ChatClientRequest, chain)}:
 * the request's {@code ChatMemory.CONVERSATION_ID} advisor parameter is made current for the model
 * and tool calls made inside (for a stream: while it is subscribed), as their conversation ID of
 * lowest precedence. Inside each advisor rather than around the chain: an app with Micrometer
 * Tracing gets an observation scope around each advisor, which replaces the current context with
 * the one its span was started in.
 */
public final class AdvisorInstrumentation implements TypeInstrumentation {
  static final String CALL_ADVISOR = "org.springframework.ai.chat.client.advisor.api.CallAdvisor";
  static final String STREAM_ADVISOR =
      "org.springframework.ai.chat.client.advisor.api.StreamAdvisor";

  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    return hasClassesNamed(CALL_ADVISOR);
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return implementsInterface(named(CALL_ADVISOR).or(named(STREAM_ADVISOR)))
        .and(not(isInterface()));
  }

  @Override
  public void transform(TypeTransformer transformer) {
    String request = "org.springframework.ai.chat.client.ChatClientRequest";
    transformer.applyAdviceToMethod(
        isMethod()
            .and(named("adviseCall"))
            .and(not(isAbstract()))
            .and(takesArguments(2))
            .and(takesArgument(0, named(request))),
        AdvisorInstrumentation.class.getName() + "$AdviseCallAdvice");
    transformer.applyAdviceToMethod(
        isMethod()
            .and(named("adviseStream"))
            .and(not(isAbstract()))
            .and(takesArguments(2))
            .and(takesArgument(0, named(request))),
        AdvisorInstrumentation.class.getName() + "$AdviseStreamAdvice");
  }

  @SuppressWarnings("unused")
  public static final class AdviseCallAdvice {
    private AdviseCallAdvice() {}

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
  public static final class AdviseStreamAdvice {
    private AdviseStreamAdvice() {}

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
