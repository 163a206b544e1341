package dev.costtrace.agent.openai;

import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import com.openai.core.http.AsyncStreamResponse;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.costtrace.agent.genai.GenAiCall;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import java.util.concurrent.CompletableFuture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.implementation.bytecode.assign.Assigner;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Hooks the SDK's chat {@code create} and {@code createStreaming(ChatCompletionCreateParams,
 * RequestOptions)}, which the upstream agent's proxy calls with its chat span current. Under that
 * span, {@code create} does nothing and {@code createStreaming} times the first chunk onto it
 * ({@link ChatStreamTimer}); with no upstream span (its instrumentation off or not applying), both
 * make our own span instead — one span per call either way. Both are budgeted either way: admitted
 * before the request is sent (blocked: the SDK method is skipped and the budget's exception thrown;
 * downgraded: the cheaper model sent), settled from the response's or the stream's usage.
 */
final class ChatCompletionServiceInstrumentation implements TypeInstrumentation {
  private final String typeName;
  private final boolean async;

  ChatCompletionServiceInstrumentation(String typeName, boolean async) {
    this.typeName = typeName;
    this.async = async;
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named(typeName);
  }

  @Override
  public void transform(TypeTransformer transformer) {
    ElementMatcher.Junction<MethodDescription> params =
        isPublic()
            .and(takesArguments(2))
            .and(
                takesArgument(
                    0, named("com.openai.models.chat.completions.ChatCompletionCreateParams")));
    String prefix = ChatCompletionServiceInstrumentation.class.getName();
    transformer.applyAdviceToMethod(
        named("create").and(params), prefix + (async ? "$AsyncCreateAdvice" : "$CreateAdvice"));
    transformer.applyAdviceToMethod(
        named("createStreaming").and(params),
        prefix + (async ? "$AsyncStreamAdvice" : "$StreamAdvice"));
  }

  @SuppressWarnings("unused")
  public static final class CreateAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class, skipOn = GenAiCall.Blocked.class)
    public static GenAiCall onEnter(
        @Advice.This Object service,
        @Advice.Argument(value = 0, readOnly = false) ChatCompletionCreateParams params) {
      GenAiCall call = OpenAiTelemetry.startChat(service, params);
      params = OpenAiTelemetry.downgradedChat(params, call == null ? null : call.downgradeModel());
      return call;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter GenAiCall call,
        @Advice.Return ChatCompletion completion,
        @Advice.Thrown(readOnly = false) Throwable error) {
      OpenAiTelemetry.endChat(call, completion, error);
      error = GenAiCall.thrown(call, error);
    }
  }

  @SuppressWarnings("unused")
  public static final class AsyncCreateAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class, skipOn = GenAiCall.Blocked.class)
    public static GenAiCall onEnter(
        @Advice.This Object service,
        @Advice.Argument(value = 0, readOnly = false) ChatCompletionCreateParams params) {
      GenAiCall call = OpenAiTelemetry.startChat(service, params);
      params = OpenAiTelemetry.downgradedChat(params, call == null ? null : call.downgradeModel());
      return call;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter GenAiCall call,
        @Advice.Return CompletableFuture<ChatCompletion> future,
        @Advice.Thrown(readOnly = false) Throwable error) {
      OpenAiTelemetry.endChatAsync(call, future, error);
      error = GenAiCall.thrown(call, error);
    }
  }

  @SuppressWarnings("unused")
  public static final class StreamAdvice {
    @Advice.OnMethodEnter(
        suppress = Throwable.class,
        skipOn = OpenAiTelemetry.ChatStreamCall.Blocked.class)
    public static OpenAiTelemetry.ChatStreamCall onEnter(
        @Advice.This Object service,
        @Advice.Argument(value = 0, readOnly = false) ChatCompletionCreateParams params) {
      OpenAiTelemetry.ChatStreamCall call = OpenAiTelemetry.startChatStream(service, params);
      params =
          OpenAiTelemetry.downgradedChat(
              params, OpenAiTelemetry.ChatStreamCall.downgradeModel(call));
      return call;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter OpenAiTelemetry.ChatStreamCall call,
        @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC)
            StreamResponse<ChatCompletionChunk> response,
        @Advice.Thrown(readOnly = false) Throwable error) {
      response = OpenAiTelemetry.wrapChat(call, response, error);
      error = OpenAiTelemetry.ChatStreamCall.thrown(call, error);
    }
  }

  @SuppressWarnings("unused")
  public static final class AsyncStreamAdvice {
    @Advice.OnMethodEnter(
        suppress = Throwable.class,
        skipOn = OpenAiTelemetry.ChatStreamCall.Blocked.class)
    public static OpenAiTelemetry.ChatStreamCall onEnter(
        @Advice.This Object service,
        @Advice.Argument(value = 0, readOnly = false) ChatCompletionCreateParams params) {
      OpenAiTelemetry.ChatStreamCall call = OpenAiTelemetry.startChatStream(service, params);
      params =
          OpenAiTelemetry.downgradedChat(
              params, OpenAiTelemetry.ChatStreamCall.downgradeModel(call));
      return call;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter OpenAiTelemetry.ChatStreamCall call,
        @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC)
            AsyncStreamResponse<ChatCompletionChunk> response,
        @Advice.Thrown(readOnly = false) Throwable error) {
      response = OpenAiTelemetry.wrapChatAsync(call, response, error);
      error = OpenAiTelemetry.ChatStreamCall.thrown(call, error);
    }
  }
}
