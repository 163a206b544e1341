package dev.costtrace.agent.springai;

import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.hasClassesNamed;
import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.implementsInterface;
import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.isInterface;
import static net.bytebuddy.matcher.ElementMatchers.isMethod;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import org.springframework.ai.chat.model.ChatResponse;
import reactor.core.publisher.Flux;

/**
 * {@code stream(Prompt)} of every Spring AI streaming chat model: the flux it returns subscribes to
 * the model with the caller's context current and the model call's span current while the request
 * goes out (see {@link SpringAiStreams}), so the vendor SDK or HTTP client underneath sees the span
 * and makes none of its own.
 */
public final class StreamingChatModelInstrumentation implements TypeInstrumentation {
  static final String STREAMING_CHAT_MODEL = "org.springframework.ai.chat.model.StreamingChatModel";

  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    return hasClassesNamed(STREAMING_CHAT_MODEL);
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return implementsInterface(named(STREAMING_CHAT_MODEL)).and(not(isInterface()));
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        isMethod()
            .and(named("stream"))
            .and(not(isAbstract()))
            .and(takesArguments(1))
            .and(takesArgument(0, named("org.springframework.ai.chat.prompt.Prompt")))
            .and(returns(named("reactor.core.publisher.Flux"))),
        StreamingChatModelInstrumentation.class.getName() + "$StreamAdvice");
  }

  @SuppressWarnings("unused")
  public static final class StreamAdvice {
    private StreamAdvice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void onExit(@Advice.Return(readOnly = false) Flux<ChatResponse> flux) {
      flux = SpringAiTelemetry.subscribeInCallerContext(flux);
    }
  }
}
