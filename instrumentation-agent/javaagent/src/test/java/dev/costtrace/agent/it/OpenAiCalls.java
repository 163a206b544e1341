package dev.costtrace.agent.it;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.context.Scope;

/** The OpenAI SDK calls of the test app; a separate class so the no-SDK run never loads it. */
final class OpenAiCalls {
  private final OpenAIClient client;

  OpenAiCalls(String baseUrl) {
    this.client =
        OpenAIOkHttpClient.builder().apiKey("sk-test").baseUrl(baseUrl).maxRetries(0).build();
  }

  String chat() {
    ChatCompletion completion =
        client
            .chat()
            .completions()
            .create(
                ChatCompletionCreateParams.builder()
                    .model("gpt-4o-mini")
                    .addUserMessage("What is the capital of France?")
                    .build());
    return completion.id() + " " + completion.usage().map(u -> u.promptTokens()).orElse(-1L);
  }

  /** A request that names its service tier and carries a conversation ID in its metadata. */
  String chatWithMetadata(String conversationId) {
    ChatCompletion completion =
        client
            .chat()
            .completions()
            .create(
                ChatCompletionCreateParams.builder()
                    .model("gpt-4o-mini")
                    .serviceTier(ChatCompletionCreateParams.ServiceTier.DEFAULT)
                    .metadata(
                        ChatCompletionCreateParams.Metadata.builder()
                            .putAdditionalProperty(
                                "conversation_id", JsonValue.from(conversationId))
                            .build())
                    .addUserMessage("What is the capital of France?")
                    .build());
    return completion.id() + " " + completion.serviceTier().map(Object::toString).orElse("-");
  }

  String chatWithBaggageAndMetadata(String baggageConversation, String metadataConversation) {
    Baggage baggage =
        Baggage.current().toBuilder().put("gen_ai.conversation.id", baggageConversation).build();
    try (Scope ignored = baggage.makeCurrent()) {
      return chatWithMetadata(metadataConversation);
    }
  }

  String chatWithTenantBaggage(String conversationId, String tenant) {
    Baggage baggage =
        Baggage.current().toBuilder()
            .put("gen_ai.conversation.id", conversationId)
            .put("costtrace.tenant.id", tenant)
            .build();
    try (Scope ignored = baggage.makeCurrent()) {
      return chat();
    }
  }

  String chatWithBaggage(String conversationId) {
    Baggage baggage =
        Baggage.current().toBuilder().put("gen_ai.conversation.id", conversationId).build();
    try (Scope ignored = baggage.makeCurrent()) {
      return chat();
    }
  }

  /** One Responses API call (o4-mini, with cached and reasoning tokens), as the app sees it. */
  String response() {
    return OpenAiSdkTestApp.describe(
        client.responses().create(OpenAiSdkTestApp.params("responses-json", null)));
  }
}
