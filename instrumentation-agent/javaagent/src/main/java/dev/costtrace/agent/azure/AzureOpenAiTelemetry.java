package dev.costtrace.agent.azure;

import com.azure.ai.openai.models.ChatCompletions;
import com.azure.ai.openai.models.ChatCompletionsOptions;
import com.azure.core.http.rest.Response;
import com.azure.core.util.IterableStream;
import dev.costtrace.agent.genai.GenAiBudget;
import dev.costtrace.agent.genai.GenAiCall;
import dev.costtrace.agent.genai.GenAiFailures;
import dev.costtrace.agent.genai.GenAiInstrumenter;
import dev.costtrace.agent.genai.GenAiRequest;
import dev.costtrace.agent.genai.GenAiSpans;
import dev.costtrace.agent.genai.GenAiStream;
import dev.costtrace.agent.genai.GenAiStreamCall;
import dev.costtrace.budget.api.ConversationBudgetExceededException;
import io.opentelemetry.context.Context;
import java.util.Iterator;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * What the Azure OpenAI client advice calls, one static method per hook, on the foundation. The
 * blocking calls' spans cover the method (the library's retries inside); an async call's span
 * starts when its {@code Mono} or {@code Flux} is subscribed — which is when the request is sent —
 * and ends with its outcome or cancellation. Every method contains its own failures and, where it
 * returns a library object, returns the original one when anything goes wrong.
 */
public final class AzureOpenAiTelemetry {
  public static final String INSTRUMENTATION_NAME = "dev.costtrace.azure-ai-openai";

  private static final Supplier<GenAiInstrumenter> INSTRUMENTER =
      GenAiInstrumenter.lazy(INSTRUMENTATION_NAME);

  private AzureOpenAiTelemetry() {}

  static GenAiInstrumenter instrumenter() {
    return INSTRUMENTER.get();
  }

  /** Starts the span of a blocking call and makes it current; null when not traced. */
  public static GenAiCall start(Object client, String deployment, ChatCompletionsOptions options) {
    return GenAiCall.start(
        instrumenter(), () -> AzureOpenAiModel.request(client, deployment, options, false));
  }

  /**
   * The first argument with the budget's downgraded model: OpenAI's model, or the Azure deployment
   * serving it (the request said it can be sent there); {@code deploymentOrModel} when none.
   */
  public static String downgraded(Object client, String deploymentOrModel, String cheaper) {
    return GenAiBudget.downgraded(
        deploymentOrModel,
        cheaper,
        (d, m) -> {
          if (AzureOpenAiModel.isOpenAi(client)) {
            return m;
          }
          String deployment = AzureDeployments.fromSystem().deployment(m);
          return deployment != null ? deployment : d;
        });
  }

  /** Ends a blocking call's span; {@code result} is the completions or a response holding them. */
  public static void end(GenAiCall call, Object result, Throwable error) {
    GenAiCall.end(
        call,
        result instanceof Response ? ((Response<?>) result).getValue() : result,
        error,
        r -> r instanceof ChatCompletions ? AzureOpenAiModel.response((ChatCompletions) r) : null);
  }

  /** Starts the span of a blocking streamed call, current while the method runs. */
  public static GenAiStreamCall startStream(
      Object client, String deployment, ChatCompletionsOptions options) {
    return GenAiStreamCall.start(
        instrumenter(), () -> AzureOpenAiModel.request(client, deployment, options, true));
  }

  /** The stream the app iterates: the library's, observed; the span ends with it. */
  public static IterableStream<ChatCompletions> wrap(
      GenAiStreamCall call, IterableStream<ChatCompletions> stream, Throwable error) {
    return GenAiStreamCall.wrap(
        call,
        stream,
        error,
        s -> new IterableStream<>(new ObservedIterable(s, new AzureStreamRecorder(call.stream()))));
  }

  /**
   * An async call: the span is made, and the budget admits the call, when the {@code Mono} is
   * subscribed; a blocked call's {@code Mono} fails with the budget's exception.
   */
  public static Mono<ChatCompletions> traceMono(
      Object client,
      String deployment,
      ChatCompletionsOptions options,
      Mono<ChatCompletions> mono) {
    if (mono == null) {
      return null;
    }
    try {
      Context parent = Context.current();
      if (GenAiSpans.isActive(parent)) {
        return mono;
      }
      GenAiRequest request = AzureOpenAiModel.request(client, deployment, options, false, false);
      return Mono.defer(
          () -> {
            Context context;
            try {
              context = instrumenter().start(parent, request);
            } catch (ConversationBudgetExceededException e) {
              return Mono.error(e); // blocked: the library's Mono is never subscribed
            }
            if (context == null) {
              return mono;
            }
            AtomicBoolean ended = new AtomicBoolean();
            return mono.doOnSuccess(r -> endAsync(context, request, r, null, ended))
                .doOnError(e -> endAsync(context, request, null, e, ended))
                .doOnCancel(() -> endAsync(context, request, null, null, ended));
          });
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return mono;
    }
  }

  /** An async stream: the span is made when the {@code Flux} is subscribed. */
  public static Flux<ChatCompletions> traceFlux(
      Object client,
      String deployment,
      ChatCompletionsOptions options,
      Flux<ChatCompletions> flux) {
    if (flux == null) {
      return null;
    }
    try {
      Context parent = Context.current();
      if (GenAiSpans.isActive(parent)) {
        return flux;
      }
      GenAiRequest request = AzureOpenAiModel.request(client, deployment, options, true, false);
      return Flux.defer(
          () -> {
            GenAiStream stream;
            try {
              stream = instrumenter().startStream(parent, request);
            } catch (ConversationBudgetExceededException e) {
              return Flux.error(e);
            }
            if (!stream.isRecording()) {
              return flux;
            }
            AzureStreamRecorder recorder = new AzureStreamRecorder(stream);
            return flux.doOnNext(recorder::onEvent)
                .doOnError(recorder::onError)
                .doOnComplete(recorder::onEnd)
                .doOnCancel(recorder::onEnd);
          });
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return flux;
    }
  }

  private static void endAsync(
      Context context,
      GenAiRequest request,
      ChatCompletions result,
      Throwable error,
      AtomicBoolean ended) {
    if (!ended.compareAndSet(false, true)) {
      return;
    }
    try {
      instrumenter()
          .end(context, request, result == null ? null : AzureOpenAiModel.response(result), error);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      instrumenter().end(context, request, null, error);
    }
  }

  /** The library's stream, each chunk shown to the recorder, its end and failures too. */
  static final class ObservedIterable implements Iterable<ChatCompletions> {
    private final Iterable<ChatCompletions> delegate;
    private final AzureStreamRecorder recorder;

    ObservedIterable(Iterable<ChatCompletions> delegate, AzureStreamRecorder recorder) {
      this.delegate = delegate;
      this.recorder = recorder;
    }

    @Override
    public Iterator<ChatCompletions> iterator() {
      Iterator<ChatCompletions> it = delegate.iterator();
      return new Iterator<ChatCompletions>() {
        @Override
        public boolean hasNext() {
          boolean more;
          try {
            more = it.hasNext();
          } catch (RuntimeException e) {
            recorder.onError(e);
            throw e;
          }
          if (!more) {
            recorder.onEnd();
          }
          return more;
        }

        @Override
        public ChatCompletions next() {
          ChatCompletions chunk;
          try {
            chunk = it.next();
          } catch (RuntimeException e) {
            recorder.onError(e);
            throw e;
          }
          recorder.onEvent(chunk);
          return chunk;
        }
      };
    }
  }
}
