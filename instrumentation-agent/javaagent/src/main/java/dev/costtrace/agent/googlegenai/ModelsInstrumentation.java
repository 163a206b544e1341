package dev.costtrace.agent.googlegenai;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import com.google.genai.ResponseStream;
import com.google.genai.types.GenerateContentConfig;
import com.google.genai.types.GenerateContentResponse;
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
 * Hooks {@code privateGenerateContent} and {@code privateGenerateContentStream(String model,
 * List<Content>, GenerateContentConfig)} of {@code Models} or {@code AsyncModels}: every public
 * {@code generateContent*} overload ends there, once per request sent to the model (automatic
 * function calling sends several, each its own span). Advice suppresses its own throwables and only
 * calls {@link GoogleGenAiTelemetry}.
 */
final class ModelsInstrumentation implements TypeInstrumentation {
  private final String typeName;
  private final boolean async;

  ModelsInstrumentation(String typeName, boolean async) {
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
        takesArguments(3)
            .and(takesArgument(0, String.class))
            .and(takesArgument(2, named("com.google.genai.types.GenerateContentConfig")));
    String prefix = ModelsInstrumentation.class.getName();
    if (async) {
      transformer.applyAdviceToMethod(
          named("privateGenerateContent").and(params), prefix + "$AsyncGenerateAdvice");
      transformer.applyAdviceToMethod(
          named("privateGenerateContentStream").and(params), prefix + "$AsyncStreamAdvice");
    } else {
      transformer.applyAdviceToMethod(
          named("privateGenerateContent").and(params), prefix + "$GenerateAdvice");
      transformer.applyAdviceToMethod(
          named("privateGenerateContentStream").and(params), prefix + "$StreamAdvice");
    }
  }

  @SuppressWarnings("unused")
  public static final class GenerateAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static GenAiCall onEnter(
        @Advice.FieldValue(value = "apiClient", typing = Assigner.Typing.DYNAMIC) Object client,
        @Advice.Argument(0) String model,
        @Advice.Argument(2) GenerateContentConfig config) {
      return GoogleGenAiTelemetry.start(client, model, config);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter GenAiCall call,
        @Advice.Return GenerateContentResponse response,
        @Advice.Thrown Throwable error) {
      GoogleGenAiTelemetry.end(call, response, error);
    }
  }

  @SuppressWarnings("unused")
  public static final class AsyncGenerateAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static GenAiCall onEnter(
        @Advice.FieldValue(value = "apiClient", typing = Assigner.Typing.DYNAMIC) Object client,
        @Advice.Argument(0) String model,
        @Advice.Argument(2) GenerateContentConfig config) {
      return GoogleGenAiTelemetry.start(client, model, config);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter GenAiCall call,
        @Advice.Return CompletableFuture<GenerateContentResponse> future,
        @Advice.Thrown Throwable error) {
      GoogleGenAiTelemetry.endAsync(call, future, error);
    }
  }

  @SuppressWarnings("unused")
  public static final class StreamAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static GenAiStreamCall onEnter(
        @Advice.FieldValue(value = "apiClient", typing = Assigner.Typing.DYNAMIC) Object client,
        @Advice.Argument(0) String model,
        @Advice.Argument(2) GenerateContentConfig config) {
      return GoogleGenAiTelemetry.startStream(client, model, config);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter GenAiStreamCall call,
        @Advice.Return ResponseStream<GenerateContentResponse> response,
        @Advice.Thrown Throwable error) {
      GoogleGenAiTelemetry.streamReturned(call, response, error);
    }
  }

  @SuppressWarnings("unused")
  public static final class AsyncStreamAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static GenAiStreamCall onEnter(
        @Advice.FieldValue(value = "apiClient", typing = Assigner.Typing.DYNAMIC) Object client,
        @Advice.Argument(0) String model,
        @Advice.Argument(2) GenerateContentConfig config) {
      return GoogleGenAiTelemetry.startStream(client, model, config);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter GenAiStreamCall call,
        @Advice.Return CompletableFuture<ResponseStream<GenerateContentResponse>> future,
        @Advice.Thrown Throwable error) {
      GoogleGenAiTelemetry.streamFutureReturned(call, future, error);
    }
  }
}
