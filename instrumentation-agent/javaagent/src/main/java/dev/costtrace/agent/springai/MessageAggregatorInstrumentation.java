package dev.costtrace.agent.springai;

import static net.bytebuddy.matcher.ElementMatchers.isMethod;
import static net.bytebuddy.matcher.ElementMatchers.named;
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
 * {@code MessageAggregator.aggregate(Flux, Consumer)}, which every Spring AI streaming model calls
 * right after starting its model call's observation, on the same thread: the model's responses are
 * shown to that call on their way to the aggregator — time to first token, and usage as the
 * provider reported it for this call.
 */
public final class MessageAggregatorInstrumentation implements TypeInstrumentation {
  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("org.springframework.ai.chat.model.MessageAggregator");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        isMethod()
            .and(named("aggregate"))
            .and(takesArguments(2))
            .and(takesArgument(0, named("reactor.core.publisher.Flux"))),
        MessageAggregatorInstrumentation.class.getName() + "$AggregateAdvice");
  }

  @SuppressWarnings("unused")
  public static final class AggregateAdvice {
    private AggregateAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static void onEnter(
        @Advice.Argument(value = 0, readOnly = false) Flux<ChatResponse> responses) {
      responses = SpringAiTelemetry.observeStartedStream(responses);
    }
  }
}
