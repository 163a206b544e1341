package dev.costtrace.agent.azure;

import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.returns;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;

import com.azure.ai.openai.models.ChatCompletions;
import com.azure.ai.openai.models.ChatCompletionsOptions;
import com.azure.core.util.IterableStream;
import dev.costtrace.agent.genai.GenAiCall;
import dev.costtrace.agent.genai.GenAiStreamCall;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The client library's {@code OpenAIClient} (blocking) or {@code OpenAIAsyncClient}: {@code
 * getChatCompletions(deployment, options)} and {@code getChatCompletionsWithResponse(deployment,
 * options, requestOptions)}, {@code getChatCompletionsStream(deployment, options[,
 * streamOptions])}. Advice suppresses its own throwables and only calls {@link
 * AzureOpenAiTelemetry}; a blocking call the budget blocks is skipped and its exception thrown from
 * the exit, a downgrade replaces the deployment (or OpenAI model) argument.
 */
final class OpenAiClientInstrumentation implements TypeInstrumentation {
  private final String typeName;
  private final boolean async;

  OpenAiClientInstrumentation(String typeName, boolean async) {
    this.typeName = typeName;
    this.async = async;
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named(typeName);
  }

  @Override
  public void transform(TypeTransformer transformer) {
    ElementMatcher.Junction<MethodDescription> typed =
        isPublic()
            .and(takesArgument(0, String.class))
            .and(takesArgument(1, named("com.azure.ai.openai.models.ChatCompletionsOptions")));
    String prefix = OpenAiClientInstrumentation.class.getName();
    if (async) {
      transformer.applyAdviceToMethod(
          named("getChatCompletions").and(typed).and(returns(named("reactor.core.publisher.Mono"))),
          prefix + "$AsyncCallAdvice");
      transformer.applyAdviceToMethod(
          named("getChatCompletionsStream")
              .and(typed)
              .and(returns(named("reactor.core.publisher.Flux"))),
          prefix + "$AsyncStreamAdvice");
    } else {
      transformer.applyAdviceToMethod(
          named("getChatCompletions").or(named("getChatCompletionsWithResponse")).and(typed),
          prefix + "$CallAdvice");
      transformer.applyAdviceToMethod(
          named("getChatCompletionsStream")
              .and(typed)
              .and(returns(named("com.azure.core.util.IterableStream"))),
          prefix + "$StreamAdvice");
    }
  }

  @SuppressWarnings("unused")
  public static final class CallAdvice {
    private CallAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class, skipOn = GenAiCall.Blocked.class)
    public static GenAiCall onEnter(
        @Advice.This Object client,
        @Advice.Argument(value = 0, readOnly = false) String deployment,
        @Advice.Argument(1) ChatCompletionsOptions options) {
      GenAiCall call = AzureOpenAiTelemetry.start(client, deployment, options);
      deployment =
          AzureOpenAiTelemetry.downgraded(
              client, deployment, call == null ? null : call.downgradeModel());
      return call;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter GenAiCall call,
        @Advice.Return Object result,
        @Advice.Thrown(readOnly = false) Throwable error) {
      AzureOpenAiTelemetry.end(call, result, error);
      error = GenAiCall.thrown(call, error);
    }
  }

  @SuppressWarnings("unused")
  public static final class StreamAdvice {
    private StreamAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class, skipOn = GenAiStreamCall.Blocked.class)
    public static GenAiStreamCall onEnter(
        @Advice.This Object client,
        @Advice.Argument(value = 0, readOnly = false) String deployment,
        @Advice.Argument(1) ChatCompletionsOptions options) {
      GenAiStreamCall call = AzureOpenAiTelemetry.startStream(client, deployment, options);
      deployment =
          AzureOpenAiTelemetry.downgraded(
              client, deployment, call == null ? null : call.downgradeModel());
      return call;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter GenAiStreamCall call,
        @Advice.Return(readOnly = false) IterableStream<ChatCompletions> stream,
        @Advice.Thrown(readOnly = false) Throwable error) {
      stream = AzureOpenAiTelemetry.wrap(call, stream, error);
      error = GenAiStreamCall.thrown(call, error);
    }
  }

  @SuppressWarnings("unused")
  public static final class AsyncCallAdvice {
    private AsyncCallAdvice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void onExit(
        @Advice.This Object client,
        @Advice.Argument(0) String deployment,
        @Advice.Argument(1) ChatCompletionsOptions options,
        @Advice.Return(readOnly = false) Mono<ChatCompletions> mono) {
      mono = AzureOpenAiTelemetry.traceMono(client, deployment, options, mono);
    }
  }

  @SuppressWarnings("unused")
  public static final class AsyncStreamAdvice {
    private AsyncStreamAdvice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void onExit(
        @Advice.This Object client,
        @Advice.Argument(0) String deployment,
        @Advice.Argument(1) ChatCompletionsOptions options,
        @Advice.Return(readOnly = false) Flux<ChatCompletions> flux) {
      flux = AzureOpenAiTelemetry.traceFlux(client, deployment, options, flux);
    }
  }
}
