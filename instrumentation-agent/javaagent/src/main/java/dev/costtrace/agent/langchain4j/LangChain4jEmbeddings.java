package dev.costtrace.agent.langchain4j;

import dev.costtrace.agent.genai.GenAiAttributes;
import dev.costtrace.agent.genai.GenAiCall;
import dev.costtrace.agent.genai.GenAiFailures;
import dev.costtrace.agent.genai.GenAiRequest;
import dev.costtrace.agent.genai.GenAiResponse;
import dev.costtrace.agent.genai.GenAiUsage;
import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.embedding.EmbeddingModel;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.model.output.TokenUsage;
import java.lang.reflect.Method;

/**
 * What the embedding model advice calls: one {@code embeddings {model}} client span per call of an
 * {@code EmbeddingModel} (LangChain4j 1.x {@code embedAll(List<TextSegment>)}, and from 1.13 on
 * {@code doEmbed(EmbeddingRequest)}, which {@code embedAll} goes through: the outer one makes the
 * span), with the provider underneath, the model's name and the input tokens embedded. Every method
 * contains its own failures.
 */
public final class LangChain4jEmbeddings {
  private LangChain4jEmbeddings() {}

  /** Starts the span and makes it current; null when not traced or under another gen_ai span. */
  public static GenAiCall start(Object model) {
    return GenAiCall.start(LangChain4jTelemetry.instrumenter(), () -> request(model));
  }

  /** Ends the span with the call's result ({@code Response} or {@code EmbeddingResponse}). */
  public static void end(GenAiCall call, Object result, Throwable error) {
    GenAiCall.end(call, result, error, LangChain4jEmbeddings::response);
  }

  static GenAiRequest request(Object model) {
    GenAiRequest.Builder b =
        GenAiRequest.builder(
            LangChain4jSemconv.provider(providerName(model), model.getClass().getName()),
            GenAiAttributes.OPERATION_EMBEDDINGS);
    try {
      if (model instanceof EmbeddingModel) {
        b.requestModel(((EmbeddingModel) model).modelName());
      }
    } catch (RuntimeException | LinkageError e) {
      GenAiFailures.contain(e);
    }
    b.conversationId(LangChain4jTelemetry.memoryConversationId());
    return b.build();
  }

  /** {@code provider()} of 1.13+ models; older LangChain4j names none (the class name then). */
  private static String providerName(Object model) {
    try {
      ModelProvider p = ((EmbeddingModel) model).provider();
      return p == null ? null : p.name();
    } catch (RuntimeException | LinkageError e) {
      return null;
    }
  }

  static GenAiResponse response(Object result) {
    TokenUsage usage = null;
    if (result instanceof Response) {
      usage = ((Response<?>) result).tokenUsage();
    } else if (result != null) {
      usage = embeddingResponseUsage(result);
    }
    GenAiResponse.Builder b = GenAiResponse.builder();
    if (usage != null && usage.inputTokenCount() != null) {
      b.usage(GenAiUsage.builder().inputTokens(usage.inputTokenCount().longValue()).build());
    }
    return b.build();
  }

  /**
   * {@code EmbeddingResponse.metadata().tokenUsage()} (1.13+), read reflectively so this class also
   * loads next to an older LangChain4j.
   */
  private static TokenUsage embeddingResponseUsage(Object response) {
    try {
      Method metadata = response.getClass().getMethod("metadata");
      Object m = metadata.invoke(response);
      if (m == null) {
        return null;
      }
      Object usage = m.getClass().getMethod("tokenUsage").invoke(m);
      return usage instanceof TokenUsage ? (TokenUsage) usage : null;
    } catch (ReflectiveOperationException | RuntimeException e) {
      GenAiFailures.contain(e);
      return null;
    }
  }
}
