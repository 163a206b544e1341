package dev.costtrace.agent.openai;

import static dev.costtrace.agent.openai.OpenAiResponsesModel.field;
import static dev.costtrace.agent.openai.OpenAiResponsesModel.known;

import com.openai.core.JsonValue;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.completions.CompletionUsage;
import dev.costtrace.agent.genai.GenAiAttributes;
import dev.costtrace.agent.genai.GenAiInputText;
import dev.costtrace.agent.genai.GenAiRequest;
import dev.costtrace.agent.genai.GenAiResponse;
import dev.costtrace.agent.genai.GenAiUsage;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Maps the OpenAI SDK's chat completion objects to the foundation's model, for the chat spans
 * CostTrace makes itself when the upstream agent's {@code openai-java} instrumentation does not
 * (switched off, or an SDK it does not apply to). The same attributes the upstream span gets plus
 * what the customizer adds to it; fields read one by one, as in {@link OpenAiResponsesModel}.
 */
public final class OpenAiChatModel {
  private OpenAiChatModel() {}

  /** The SDK's own Jackson mapper: it serialises the request the way the SDK sends it. */
  static final String SDK_OBJECT_MAPPERS = "com.openai.core.ObjectMappers";

  public static GenAiRequest request(ChatCompletionCreateParams params, boolean streaming) {
    return request(params, streaming, OpenAiEndpoint.OPENAI);
  }

  /**
   * The request of a call to {@code endpoint} (OpenAI, or Azure OpenAI: see OpenAiEndpoint).
   * Deprecated accessors on purpose: apps still send {@code max_tokens}, and the metadata's custom
   * keys are readable only as additional properties.
   */
  @SuppressWarnings("deprecation")
  static GenAiRequest request(
      ChatCompletionCreateParams params, boolean streaming, OpenAiEndpoint endpoint) {
    GenAiRequest.Builder b =
        GenAiRequest.builder(endpoint.provider(), GenAiAttributes.OPERATION_CHAT)
            .streaming(streaming);
    endpoint.applyTo(b);
    b.requestModel(endpoint.model(requestModel(params)));
    Long max = field(() -> known(params._maxCompletionTokens()));
    b.maxTokens(max != null ? max : field(() -> known(params._maxTokens())));
    String tier = field(() -> known(params._serviceTier()).map(t -> t.asString()));
    if (tier != null && !tier.equals(OpenAiResponsesModel.SERVICE_TIER_AUTO)) {
      b.serviceTier(tier);
    }
    b.conversationId(
        field(() -> known(params._metadata()).map(m -> conversationId(m._additionalProperties()))));
    b.inputText(() -> GenAiInputText.fromSdkBody(params._body(), SDK_OBJECT_MAPPERS));
    return b.build();
  }

  static String requestModel(ChatCompletionCreateParams params) {
    return field(() -> known(params._model()).map(m -> m.asString()));
  }

  /** The first of {@link OpenAiConversationKeys#METADATA} with a non-blank string value. */
  @SuppressWarnings("unchecked") // JsonValue.asString() is declared with a raw Optional
  static String conversationId(Map<String, JsonValue> metadata) {
    for (String key : OpenAiConversationKeys.METADATA) {
      JsonValue v = metadata.get(key);
      Optional<String> s = v == null ? Optional.empty() : v.asString();
      if (s.isPresent() && !s.get().trim().isEmpty()) {
        return s.get().trim();
      }
    }
    return null;
  }

  public static GenAiResponse response(ChatCompletion completion) {
    GenAiResponse.Builder b = GenAiResponse.builder();
    b.responseId(field(() -> known(completion._id())));
    b.responseModel(field(() -> known(completion._model())));
    b.serviceTier(field(() -> known(completion._serviceTier()).map(t -> t.asString())));
    List<ChatCompletion.Choice> choices = field(() -> known(completion._choices()));
    for (ChatCompletion.Choice choice :
        choices == null ? Collections.<ChatCompletion.Choice>emptyList() : choices) {
      b.addFinishReason(field(() -> known(choice._finishReason()).map(r -> r.asString())));
    }
    CompletionUsage usage = field(() -> known(completion._usage()));
    if (usage != null) {
      b.usage(usage(usage));
    }
    return b.build();
  }

  /** Adds what one streamed chunk says (id, model, tier, finished choices, final usage). */
  public static void fill(GenAiResponse.Builder b, ChatCompletionChunk chunk) {
    b.responseId(field(() -> known(chunk._id())));
    b.responseModel(field(() -> known(chunk._model())));
    b.serviceTier(field(() -> known(chunk._serviceTier()).map(t -> t.asString())));
    List<ChatCompletionChunk.Choice> choices = field(() -> known(chunk._choices()));
    for (ChatCompletionChunk.Choice choice :
        choices == null ? Collections.<ChatCompletionChunk.Choice>emptyList() : choices) {
      b.addFinishReason(field(() -> known(choice._finishReason()).map(r -> r.asString())));
    }
    CompletionUsage usage = field(() -> known(chunk._usage()));
    if (usage != null) {
      b.usage(usage(usage));
    }
  }

  static GenAiUsage usage(CompletionUsage usage) {
    return GenAiUsage.builder()
        .inputTokens(field(() -> known(usage._promptTokens())))
        .outputTokens(field(() -> known(usage._completionTokens())))
        .cacheReadInputTokens(
            field(() -> known(usage._promptTokensDetails()).flatMap(d -> known(d._cachedTokens()))))
        .reasoningOutputTokens(
            field(
                () ->
                    known(usage._completionTokensDetails())
                        .flatMap(d -> known(d._reasoningTokens()))))
        .build();
  }
}
