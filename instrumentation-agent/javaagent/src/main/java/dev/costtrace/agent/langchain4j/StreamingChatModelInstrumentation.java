package dev.costtrace.agent.langchain4j;

import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.hasClassesNamed;
import static io.opentelemetry.javaagent.extension.matcher.AgentElementMatchers.implementsInterface;
import static net.bytebuddy.matcher.ElementMatchers.isAbstract;
import static net.bytebuddy.matcher.ElementMatchers.isInterface;
import static net.bytebuddy.matcher.ElementMatchers.isMethod;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.not;
import static net.bytebuddy.matcher.ElementMatchers.takesArgument;
import static net.bytebuddy.matcher.ElementMatchers.takesArguments;

import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code doChat(ChatRequest, StreamingChatResponseHandler)} of every {@code StreamingChatModel}
 * implementation: the span starts here (current while the request is sent) and the handler is
 * replaced by one that ends it at {@code onCompleteResponse} / {@code onError}.
 */
public final class StreamingChatModelInstrumentation implements TypeInstrumentation {
  static final String STREAMING_CHAT_MODEL = "dev.langchain4j.model.chat.StreamingChatModel";

  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    return hasClassesNamed(STREAMING_CHAT_MODEL);
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return implementsInterface(named(STREAMING_CHAT_MODEL)).and(not(isInterface()));
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        isMethod()
            .and(named("doChat"))
            .and(not(isAbstract()))
            .and(takesArguments(2))
            .and(takesArgument(0, named("dev.langchain4j.model.chat.request.ChatRequest")))
            .and(
                takesArgument(
                    1, named("dev.langchain4j.model.chat.response.StreamingChatResponseHandler"))),
        StreamingChatModelInstrumentation.class.getName() + "$DoChatAdvice");
  }

  @SuppressWarnings("unused")
  public static final class DoChatAdvice {
    private DoChatAdvice() {}

    @Advice.OnMethodEnter(
        suppress = Throwable.class,
        skipOn = LangChain4jTelemetry.BlockedStreamCall.class)
    public static LangChain4jTelemetry.StreamCall onEnter(
        @Advice.This Object model,
        @Advice.Argument(value = 0, readOnly = false) ChatRequest request,
        @Advice.Argument(value = 1, readOnly = false) StreamingChatResponseHandler handler) {
      LangChain4jTelemetry.StreamCall call = LangChain4jTelemetry.startStream(model, request);
      handler = LangChain4jTelemetry.handler(call, handler);
      request = LangChain4jTelemetry.downgraded(request, call);
      return call;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter LangChain4jTelemetry.StreamCall call,
        @Advice.Thrown(readOnly = false) Throwable error) {
      LangChain4jTelemetry.exitStream(call, error);
      error = LangChain4jTelemetry.thrown(call, error);
    }
  }
}
