package dev.costtrace.agent.googlegenai;

import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import com.google.genai.ResponseStream;
import com.google.genai.types.Content;
import com.google.genai.types.GenerateContentConfig;
import com.google.genai.types.GenerateContentResponse;
import dev.costtrace.agent.genai.GenAiCall;
import dev.costtrace.agent.genai.GenAiStreamCall;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import java.util.List;
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
 * calls {@link GoogleGenAiTelemetry}; a call the budget blocks is skipped and its exception thrown
 * from the exit, a downgrade replaces the model argument.
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
    @Advice.OnMethodEnter(suppress = Throwable.class, skipOn = GenAiCall.Blocked.class)
    public static GenAiCall onEnter(
        @Advice.FieldValue(value = "apiClient", typing = Assigner.Typing.DYNAMIC) Object client,
        @Advice.Argument(value = 0, readOnly = false) String model,
        @Advice.Argument(1) List<Content> contents,
        @Advice.Argument(2) GenerateContentConfig config) {
      GenAiCall call = GoogleGenAiTelemetry.start(client, model, contents, config);
      model = GoogleGenAiTelemetry.downgraded(model, call == null ? null : call.downgradeModel());
      return call;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter GenAiCall call,
        @Advice.Return GenerateContentResponse response,
        @Advice.Thrown(readOnly = false) Throwable error) {
      GoogleGenAiTelemetry.end(call, response, error);
      error = GenAiCall.thrown(call, error);
    }
  }

  @SuppressWarnings("unused")
  public static final class AsyncGenerateAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class, skipOn = GenAiCall.Blocked.class)
    public static GenAiCall onEnter(
        @Advice.FieldValue(value = "apiClient", typing = Assigner.Typing.DYNAMIC) Object client,
        @Advice.Argument(value = 0, readOnly = false) String model,
        @Advice.Argument(1) List<Content> contents,
        @Advice.Argument(2) GenerateContentConfig config) {
      GenAiCall call = GoogleGenAiTelemetry.start(client, model, contents, config);
      model = GoogleGenAiTelemetry.downgraded(model, call == null ? null : call.downgradeModel());
      return call;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter GenAiCall call,
        @Advice.Return CompletableFuture<GenerateContentResponse> future,
        @Advice.Thrown(readOnly = false) Throwable error) {
      GoogleGenAiTelemetry.endAsync(call, future, error);
      error = GenAiCall.thrown(call, error);
    }
  }

  @SuppressWarnings("unused")
  public static final class StreamAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class, skipOn = GenAiStreamCall.Blocked.class)
    public static GenAiStreamCall onEnter(
        @Advice.FieldValue(value = "apiClient", typing = Assigner.Typing.DYNAMIC) Object client,
        @Advice.Argument(value = 0, readOnly = false) String model,
        @Advice.Argument(1) List<Content> contents,
        @Advice.Argument(2) GenerateContentConfig config) {
      GenAiStreamCall call = GoogleGenAiTelemetry.startStream(client, model, contents, config);
      model = GoogleGenAiTelemetry.downgraded(model, call == null ? null : call.downgradeModel());
      return call;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter GenAiStreamCall call,
        @Advice.Return ResponseStream<GenerateContentResponse> response,
        @Advice.Thrown(readOnly = false) Throwable error) {
      GoogleGenAiTelemetry.streamReturned(call, response, error);
      error = GenAiStreamCall.thrown(call, error);
    }
  }

  @SuppressWarnings("unused")
  public static final class AsyncStreamAdvice {
    @Advice.OnMethodEnter(suppress = Throwable.class, skipOn = GenAiStreamCall.Blocked.class)
    public static GenAiStreamCall onEnter(
        @Advice.FieldValue(value = "apiClient", typing = Assigner.Typing.DYNAMIC) Object client,
        @Advice.Argument(value = 0, readOnly = false) String model,
        @Advice.Argument(1) List<Content> contents,
        @Advice.Argument(2) GenerateContentConfig config) {
      GenAiStreamCall call = GoogleGenAiTelemetry.startStream(client, model, contents, config);
      model = GoogleGenAiTelemetry.downgraded(model, call == null ? null : call.downgradeModel());
      return call;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter GenAiStreamCall call,
        @Advice.Return CompletableFuture<ResponseStream<GenerateContentResponse>> future,
        @Advice.Thrown(readOnly = false) Throwable error) {
      GoogleGenAiTelemetry.streamFutureReturned(call, future, error);
      error = GenAiStreamCall.thrown(call, error);
    }
  }
}
