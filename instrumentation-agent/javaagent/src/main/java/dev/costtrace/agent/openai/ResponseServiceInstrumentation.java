package dev.costtrace.agent.openai;

import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import com.openai.core.ClientOptions;
import com.openai.core.http.AsyncStreamResponse;
import com.openai.core.http.StreamResponse;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
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
 * Hooks {@code create} and {@code createStreaming(ResponseCreateParams, RequestOptions)} of the
 * blocking or the async Responses service (every other overload, structured outputs included, ends
 * there). Advice suppresses its own throwables and only calls {@link OpenAiTelemetry}, which
 * contains its failures: the app sees the SDK's result unchanged.
 */
final class ResponseServiceInstrumentation implements TypeInstrumentation {
  private final String typeName;
  private final boolean async;

  ResponseServiceInstrumentation(String typeName, boolean async) {
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
            .and(takesArgument(0, named("com.openai.models.responses.ResponseCreateParams")));
    String prefix = ResponseServiceInstrumentation.class.getName();
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
        @Advice.FieldValue("clientOptions") ClientOptions options,
        @Advice.Argument(value = 0, readOnly = false) ResponseCreateParams params) {
      GenAiCall call = OpenAiTelemetry.start(params, options);
      params = OpenAiTelemetry.downgraded(params, call == null ? null : call.downgradeModel());
      return call;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter GenAiCall call,
        @Advice.Return Response response,
        @Advice.Thrown(readOnly = false) Throwable error) {
      OpenAiTelemetry.end(call, response, error);
      error = GenAiCall.thrown(call, error);
    }
  }

  @SuppressWarnings("unused")
  public static final class AsyncCreateAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class, skipOn = GenAiCall.Blocked.class)
    public static GenAiCall onEnter(
        @Advice.FieldValue("clientOptions") ClientOptions options,
        @Advice.Argument(value = 0, readOnly = false) ResponseCreateParams params) {
      GenAiCall call = OpenAiTelemetry.start(params, options);
      params = OpenAiTelemetry.downgraded(params, call == null ? null : call.downgradeModel());
      return call;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter GenAiCall call,
        @Advice.Return CompletableFuture<Response> future,
        @Advice.Thrown(readOnly = false) Throwable error) {
      OpenAiTelemetry.endAsync(call, future, error);
      error = GenAiCall.thrown(call, error);
    }
  }

  @SuppressWarnings("unused")
  public static final class StreamAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class, skipOn = GenAiStreamCall.Blocked.class)
    public static GenAiStreamCall onEnter(
        @Advice.FieldValue("clientOptions") ClientOptions options,
        @Advice.Argument(value = 0, readOnly = false) ResponseCreateParams params) {
      GenAiStreamCall call = OpenAiTelemetry.startStream(params, options);
      params = OpenAiTelemetry.downgraded(params, call == null ? null : call.downgradeModel());
      return call;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter GenAiStreamCall call,
        @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC)
            StreamResponse<ResponseStreamEvent> response,
        @Advice.Thrown(readOnly = false) Throwable error) {
      response = OpenAiTelemetry.wrap(call, response, error);
      error = GenAiStreamCall.thrown(call, error);
    }
  }

  @SuppressWarnings("unused")
  public static final class AsyncStreamAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class, skipOn = GenAiStreamCall.Blocked.class)
    public static GenAiStreamCall onEnter(
        @Advice.FieldValue("clientOptions") ClientOptions options,
        @Advice.Argument(value = 0, readOnly = false) ResponseCreateParams params) {
      GenAiStreamCall call = OpenAiTelemetry.startStream(params, options);
      params = OpenAiTelemetry.downgraded(params, call == null ? null : call.downgradeModel());
      return call;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter GenAiStreamCall call,
        @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC)
            AsyncStreamResponse<ResponseStreamEvent> response,
        @Advice.Thrown(readOnly = false) Throwable error) {
      response = OpenAiTelemetry.wrapAsync(call, response, error);
      error = GenAiStreamCall.thrown(call, error);
    }
  }
}
