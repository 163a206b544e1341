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
import dev.langchain4j.model.chat.response.ChatResponse;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code doChat(ChatRequest)} of every {@code ChatModel} implementation (OpenAI, Anthropic, Gemini,
 * Ollama...). A model that delegates to another model makes no second span: the inner call sees the
 * outer span active.
 */
public final class ChatModelInstrumentation implements TypeInstrumentation {
  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    return hasClassesNamed(LangChain4jInstrumentationModule.CHAT_MODEL);
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return implementsInterface(named(LangChain4jInstrumentationModule.CHAT_MODEL))
        .and(not(isInterface()));
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        isMethod()
            .and(named("doChat"))
            .and(not(isAbstract()))
            .and(takesArguments(1))
            .and(takesArgument(0, named("dev.langchain4j.model.chat.request.ChatRequest"))),
        ChatModelInstrumentation.class.getName() + "$DoChatAdvice");
  }

  @SuppressWarnings("unused")
  public static final class DoChatAdvice {
    private DoChatAdvice() {}

    @Advice.OnMethodEnter(
        suppress = Throwable.class,
        skipOn = LangChain4jTelemetry.BlockedChatCall.class)
    public static LangChain4jTelemetry.ChatCall onEnter(
        @Advice.This Object model,
        @Advice.Argument(value = 0, readOnly = false) ChatRequest request) {
      LangChain4jTelemetry.ChatCall call = LangChain4jTelemetry.startChat(model, request);
      request = LangChain4jTelemetry.downgraded(request, call);
      return call;
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter LangChain4jTelemetry.ChatCall call,
        @Advice.Return ChatResponse response,
        @Advice.Thrown(readOnly = false) Throwable error) {
      LangChain4jTelemetry.endChat(call, response, error);
      error = LangChain4jTelemetry.thrown(call, error);
    }
  }
}
