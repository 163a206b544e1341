package dev.costtrace.agent.langchain4j;

import dev.costtrace.agent.genai.GenAiAttributes;
import dev.costtrace.agent.genai.GenAiInputText;
import dev.costtrace.agent.genai.GenAiRequest;
import dev.costtrace.agent.genai.GenAiResponse;
import dev.costtrace.agent.genai.GenAiUsage;
import dev.langchain4j.data.message.ChatMessageSerializer;
import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.anthropic.AnthropicTokenUsage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.ChatResponseMetadata;
import dev.langchain4j.model.openai.OpenAiChatResponseMetadata;
import dev.langchain4j.model.openai.OpenAiTokenUsage;
import dev.langchain4j.model.output.TokenUsage;
import java.nio.charset.StandardCharsets;

/**
 * Maps LangChain4j's chat request and response to the foundation's model. The vendor-specific usage
 * subclasses (cache and reasoning counts) live in optional modules ({@code langchain4j-open-ai},
 * {@code langchain4j-anthropic}): they are recognised by class name and read in nested classes that
 * are only loaded when such an object is at hand. Getters may throw on odd objects: callers contain
 * that.
 */
final class LangChain4jModels {
  static final String OPENAI_TOKEN_USAGE = "dev.langchain4j.model.openai.OpenAiTokenUsage";
  static final String OPENAI_METADATA = "dev.langchain4j.model.openai.OpenAiChatResponseMetadata";
  static final String ANTHROPIC_TOKEN_USAGE = "dev.langchain4j.model.anthropic.AnthropicTokenUsage";

  private LangChain4jModels() {}

  /** The request as {@code doChat} gets it: the model's default parameters already merged in. */
  static GenAiRequest request(
      Object model, ChatRequest chatRequest, boolean streaming, String conversationId) {
    GenAiRequest.Builder b =
        GenAiRequest.builder(
                LangChain4jSemconv.provider(providerName(model), model.getClass().getName()),
                GenAiAttributes.OPERATION_CHAT)
            .streaming(streaming)
            .conversationId(conversationId);
    try {
      ChatRequestParameters p = chatRequest.parameters();
      if (p != null) {
        b.requestModel(p.modelName());
        if (p.maxOutputTokens() != null) {
          b.maxTokens(p.maxOutputTokens().longValue());
        }
      }
    } catch (RuntimeException e) {
      // A request the model will reject itself: the span still records the call.
    }
    b.inputText(() -> inputText(chatRequest));
    return b.build();
  }

  /**
   * The messages as LangChain4j serialises them (text, tool calls and results), for the estimate.
   */
  static CharSequence inputText(ChatRequest chatRequest) {
    byte[] json =
        ChatMessageSerializer.messagesToJson(chatRequest.messages())
            .getBytes(StandardCharsets.UTF_8);
    return GenAiInputText.fromJson(json, json.length);
  }

  static String providerName(Object model) {
    try {
      ModelProvider p = null;
      if (model instanceof ChatModel) {
        p = ((ChatModel) model).provider();
      } else if (model instanceof StreamingChatModel) {
        p = ((StreamingChatModel) model).provider();
      }
      return p == null ? null : p.name();
    } catch (RuntimeException | LinkageError e) {
      return null; // a model whose provider() fails, or a LangChain4j without ModelProvider
    }
  }

  static GenAiResponse response(ChatResponse response) {
    GenAiResponse.Builder b = GenAiResponse.builder();
    fill(b, response);
    return b.build();
  }

  /** Response id, model, finish reason, usage and (OpenAI) service tier from the metadata. */
  static void fill(GenAiResponse.Builder b, ChatResponse response) {
    ChatResponseMetadata m = response.metadata();
    if (m == null) {
      return;
    }
    b.responseId(m.id()).responseModel(m.modelName());
    if (m.finishReason() != null) {
      b.addFinishReason(LangChain4jSemconv.finishReason(m.finishReason().name()));
    }
    b.usage(usage(m.tokenUsage()));
    if (m.getClass().getName().equals(OPENAI_METADATA)) {
      b.serviceTier(OpenAi.serviceTier(m));
    }
  }

  static GenAiUsage usage(TokenUsage u) {
    if (u == null) {
      return null;
    }
    String type = u.getClass().getName();
    if (type.equals(OPENAI_TOKEN_USAGE)) {
      return OpenAi.usage(u);
    }
    if (type.equals(ANTHROPIC_TOKEN_USAGE)) {
      return Anthropic.usage(u);
    }
    return GenAiUsage.builder()
        .inputTokens(toLong(u.inputTokenCount()))
        .outputTokens(toLong(u.outputTokenCount()))
        .build();
  }

  static Long toLong(Integer v) {
    return v == null ? null : v.longValue();
  }

  /** OpenAI counts input with cache and output with reasoning, as semconv does. */
  static final class OpenAi {
    private OpenAi() {}

    static GenAiUsage usage(TokenUsage tokenUsage) {
      OpenAiTokenUsage u = (OpenAiTokenUsage) tokenUsage;
      GenAiUsage.Builder b =
          GenAiUsage.builder()
              .inputTokens(toLong(u.inputTokenCount()))
              .outputTokens(toLong(u.outputTokenCount()));
      if (u.inputTokensDetails() != null) {
        b.cacheReadInputTokens(toLong(u.inputTokensDetails().cachedTokens()));
      }
      if (u.outputTokensDetails() != null) {
        b.reasoningOutputTokens(toLong(u.outputTokensDetails().reasoningTokens()));
      }
      return b.build();
    }

    static String serviceTier(ChatResponseMetadata metadata) {
      return ((OpenAiChatResponseMetadata) metadata).serviceTier();
    }
  }

  /**
   * Anthropic's input count excludes cache reads and writes (LangChain4j passes it through), so
   * both are added back. LangChain4j does not keep the 5-minute/1-hour split of cache writes.
   */
  static final class Anthropic {
    private Anthropic() {}

    static GenAiUsage usage(TokenUsage tokenUsage) {
      AnthropicTokenUsage u = (AnthropicTokenUsage) tokenUsage;
      Long cacheRead = toLong(u.cacheReadInputTokens());
      Long cacheCreation = toLong(u.cacheCreationInputTokens());
      return GenAiUsage.builder()
          .inputTokens(
              GenAiUsage.inputIncludingCache(toLong(u.inputTokenCount()), cacheRead, cacheCreation))
          .outputTokens(toLong(u.outputTokenCount()))
          .cacheReadInputTokens(cacheRead)
          .cacheCreationInputTokens(cacheCreation)
          .build();
    }
  }
}
