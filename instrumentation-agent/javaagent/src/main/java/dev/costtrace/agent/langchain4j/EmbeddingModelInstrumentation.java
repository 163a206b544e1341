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

import dev.costtrace.agent.genai.GenAiCall;
import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.implementation.bytecode.assign.Assigner;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * {@code embedAll(List)} and {@code doEmbed(EmbeddingRequest)} of every {@code EmbeddingModel}
 * implementation: one {@code embeddings} span per call ({@link LangChain4jEmbeddings}).
 */
public final class EmbeddingModelInstrumentation implements TypeInstrumentation {
  static final String EMBEDDING_MODEL = "dev.langchain4j.model.embedding.EmbeddingModel";

  @Override
  public ElementMatcher<ClassLoader> classLoaderOptimization() {
    return hasClassesNamed(EMBEDDING_MODEL);
  }

  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return implementsInterface(named(EMBEDDING_MODEL)).and(not(isInterface()));
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        isMethod()
            .and(not(isAbstract()))
            .and(takesArguments(1))
            .and(
                named("embedAll")
                    .and(takesArgument(0, named("java.util.List")))
                    .or(
                        named("doEmbed")
                            .and(
                                takesArgument(
                                    0,
                                    named(
                                        "dev.langchain4j.model.embedding.request.EmbeddingRequest"))))),
        EmbeddingModelInstrumentation.class.getName() + "$EmbedAdvice");
  }

  @SuppressWarnings("unused")
  public static final class EmbedAdvice {
    private EmbedAdvice() {}

    @Advice.OnMethodEnter(suppress = Throwable.class)
    public static GenAiCall onEnter(@Advice.This Object model) {
      return LangChain4jEmbeddings.start(model);
    }

    @Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
    public static void onExit(
        @Advice.Enter GenAiCall call,
        @Advice.Return(typing = Assigner.Typing.DYNAMIC) Object result,
        @Advice.Thrown Throwable error) {
      LangChain4jEmbeddings.end(call, result, error);
    }
  }
}
