package dev.costtrace.agent.it;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
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

  String chatWithBaggage(String conversationId) {
    Baggage baggage =
        Baggage.current().toBuilder().put("gen_ai.conversation.id", conversationId).build();
    try (Scope ignored = baggage.makeCurrent()) {
      return chat();
    }
  }
}
