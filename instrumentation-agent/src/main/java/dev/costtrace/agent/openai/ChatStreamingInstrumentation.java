package dev.costtrace.agent.openai;

import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import com.openai.core.http.AsyncStreamResponse;
import com.openai.core.http.StreamResponse;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.implementation.bytecode.assign.Assigner;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Hooks the SDK's chat {@code createStreaming(ChatCompletionCreateParams, RequestOptions)}, which
 * the upstream agent's proxy calls with its chat span current, to time the first chunk onto that
 * span ({@link ChatStreamTimer}). Makes no span of its own.
 */
final class ChatStreamingInstrumentation implements TypeInstrumentation {
  private final String typeName;
  private final boolean async;

  ChatStreamingInstrumentation(String typeName, boolean async) {
    this.typeName = typeName;
    this.async = async;
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named(typeName);
  }

  @Override
  public void transform(TypeTransformer transformer) {
    ElementMatcher.Junction<MethodDescription> method =
        named("createStreaming")
            .and(isPublic())
            .and(takesArguments(2))
            .and(
                takesArgument(
                    0, named("com.openai.models.chat.completions.ChatCompletionCreateParams")));
    String prefix = ChatStreamingInstrumentation.class.getName();
    transformer.applyAdviceToMethod(method, prefix + (async ? "$AsyncStreamAdvice" : "$StreamAdvice"));
  }

  @SuppressWarnings("unused")
  public static final class StreamAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static ChatStreamTimer onEnter() {
      return OpenAiTelemetry.startChatStream();
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter ChatStreamTimer timer,
        @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC)
            StreamResponse<Object> response) {
      response = OpenAiTelemetry.timeChatStream(timer, response);
    }
  }

  @SuppressWarnings("unused")
  public static final class AsyncStreamAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static ChatStreamTimer onEnter() {
      return OpenAiTelemetry.startChatStream();
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter ChatStreamTimer timer,
        @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC)
            AsyncStreamResponse<Object> response) {
      response = OpenAiTelemetry.timeChatStreamAsync(timer, response);
    }
  }
}
