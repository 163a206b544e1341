package dev.costtrace.agent.it;

import com.openai.client.OpenAIClientAsync;
import com.openai.client.okhttp.OpenAIOkHttpClientAsync;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;

/** An async OpenAI SDK call (OkHttp's dispatcher thread); loaded only when the SDK is present. */
final class OpenAiAsyncCalls {
  private OpenAiAsyncCalls() {}

  static String chat(String baseUrl) throws Exception {
    OpenAIClientAsync client =
        OpenAIOkHttpClientAsync.builder().apiKey("sk-test").baseUrl(baseUrl).maxRetries(0).build();
    ChatCompletion completion =
        client
            .chat()
            .completions()
            .create(
                ChatCompletionCreateParams.builder()
                    .model("gpt-4o-mini")
                    .addUserMessage("What is the capital of France?")
                    .build())
            .get();
    return completion.id() + " " + completion.usage().map(u -> u.promptTokens()).orElse(-1L);
  }
}
