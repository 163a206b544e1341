package dev.costtrace.agent.openai;

import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import com.openai.core.ClientOptions;
import com.openai.core.http.HttpResponseFor;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
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
 * {@code create(ResponseCreateParams, RequestOptions)} of the blocking or async Responses service's
 * {@code withRawResponse()} view. The plain {@code create} goes through it too, under its own span,
 * so here a span starts only for an app calling {@code withRawResponse()} itself (the foundation's
 * one-span check); it ends when the app parses (or closes) the raw response ({@link
 * ObservedRawResponse}). Budgets as for the plain call: a blocked call is skipped and throws.
 */
final class RawResponseServiceInstrumentation implements TypeInstrumentation {
  private final String typeName;
  private final boolean async;

  RawResponseServiceInstrumentation(String typeName, boolean async) {
    this.typeName = typeName;
    this.async = async;
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named(typeName);
  }

  @Override
  public void transform(TypeTransformer transformer) {
    ElementMatcher.Junction<MethodDescription> create =
        named("create")
            .and(isPublic())
            .and(takesArguments(2))
            .and(takesArgument(0, named("com.openai.models.responses.ResponseCreateParams")));
    String prefix = RawResponseServiceInstrumentation.class.getName();
    transformer.applyAdviceToMethod(
        create, prefix + (async ? "$AsyncCreateAdvice" : "$CreateAdvice"));
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
        @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC)
            HttpResponseFor<Response> raw,
        @Advice.Thrown(readOnly = false) Throwable error) {
      raw = OpenAiTelemetry.wrapRaw(call, raw, error);
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
        @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC)
            CompletableFuture<HttpResponseFor<Response>> future,
        @Advice.Thrown(readOnly = false) Throwable error) {
      future = OpenAiTelemetry.wrapRawAsync(call, future, error);
      error = GenAiCall.thrown(call, error);
    }
  }
}
