package dev.costtrace.agent.anthropic;

import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import com.anthropic.core.http.AsyncStreamResponse;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import dev.costtrace.agent.genai.GenAiCall;
import dev.costtrace.agent.genai.GenAiStreamCall;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import java.util.concurrent.CompletableFuture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.implementation.bytecode.assign.Assigner;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * Hooks {@code create} and {@code createStreaming(MessageCreateParams, RequestOptions)} of the
 * blocking or the async message service. Advice suppresses its own throwables and only calls {@link
 * AnthropicTelemetry}, which contains its failures: the app sees the SDK's result unchanged.
 */
final class MessageServiceInstrumentation implements TypeInstrumentation {
  private final String typeName;
  private final boolean async;

  MessageServiceInstrumentation(String typeName, boolean async) {
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
            .and(takesArgument(0, named("com.anthropic.models.messages.MessageCreateParams")));
    String prefix = MessageServiceInstrumentation.class.getName();
    if (async) {
      transformer.applyAdviceToMethod(named("create").and(params), prefix + "$AsyncCreateAdvice");
      transformer.applyAdviceToMethod(
          named("createStreaming").and(params), prefix + "$AsyncStreamAdvice");
    } else {
      transformer.applyAdviceToMethod(named("create").and(params), prefix + "$CreateAdvice");
      transformer.applyAdviceToMethod(
          named("createStreaming").and(params), prefix + "$StreamAdvice");
    }
  }

  @SuppressWarnings("unused")
  public static final class CreateAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class, skipOn = GenAiCall.Blocked.class)
    public static GenAiCall onEnter(
        @Advice.Argument(value = 0, readOnly = false) MessageCreateParams params) {
      GenAiCall call = AnthropicTelemetry.start(params);
      params = AnthropicTelemetry.downgraded(params, call == null ? null : call.downgradeModel());
      return call;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter GenAiCall call,
        @Advice.Return Message message,
        @Advice.Thrown(readOnly = false) Throwable error) {
      AnthropicTelemetry.end(call, message, error);
      error = GenAiCall.thrown(call, error);
    }
  }

  @SuppressWarnings("unused")
  public static final class AsyncCreateAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class, skipOn = GenAiCall.Blocked.class)
    public static GenAiCall onEnter(
        @Advice.Argument(value = 0, readOnly = false) MessageCreateParams params) {
      GenAiCall call = AnthropicTelemetry.start(params);
      params = AnthropicTelemetry.downgraded(params, call == null ? null : call.downgradeModel());
      return call;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter GenAiCall call,
        @Advice.Return CompletableFuture<Message> future,
        @Advice.Thrown(readOnly = false) Throwable error) {
      AnthropicTelemetry.endAsync(call, future, error);
      error = GenAiCall.thrown(call, error);
    }
  }

  @SuppressWarnings("unused")
  public static final class StreamAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class, skipOn = GenAiStreamCall.Blocked.class)
    public static GenAiStreamCall onEnter(
        @Advice.Argument(value = 0, readOnly = false) MessageCreateParams params) {
      GenAiStreamCall call = AnthropicTelemetry.startStream(params);
      params = AnthropicTelemetry.downgraded(params, call == null ? null : call.downgradeModel());
      return call;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter GenAiStreamCall call,
        @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC)
            StreamResponse<RawMessageStreamEvent> response,
        @Advice.Thrown(readOnly = false) Throwable error) {
      response = AnthropicTelemetry.wrap(call, response, error);
      error = GenAiStreamCall.thrown(call, error);
    }
  }

  @SuppressWarnings("unused")
  public static final class AsyncStreamAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class, skipOn = GenAiStreamCall.Blocked.class)
    public static GenAiStreamCall onEnter(
        @Advice.Argument(value = 0, readOnly = false) MessageCreateParams params) {
      GenAiStreamCall call = AnthropicTelemetry.startStream(params);
      params = AnthropicTelemetry.downgraded(params, call == null ? null : call.downgradeModel());
      return call;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter GenAiStreamCall call,
        @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC)
            AsyncStreamResponse<RawMessageStreamEvent> response,
        @Advice.Thrown(readOnly = false) Throwable error) {
      response = AnthropicTelemetry.wrapAsync(call, response, error);
      error = GenAiStreamCall.thrown(call, error);
    }
  }
}
