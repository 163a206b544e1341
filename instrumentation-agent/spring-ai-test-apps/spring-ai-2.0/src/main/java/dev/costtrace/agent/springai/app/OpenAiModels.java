package dev.costtrace.agent.springai.app;

import io.micrometer.observation.ObservationRegistry;
import java.util.Map;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;

/**
 * Spring AI 2.0's OpenAI chat model, as an app builds it: it runs on the OpenAI Java SDK (its
 * OkHttp client), which retries a 503 itself.
 */
final class OpenAiModels {
  private OpenAiModels() {}

  /**
   * @param v1BaseUrl the replay server's {@code http://host:port/v1}
   * @param replay the recording the replay server answers with ({@code X-Replay})
   */
  static ChatModel openAi(
      String v1BaseUrl, String model, String replay, ObservationRegistry registry) {
    OpenAiChatOptions options =
        OpenAiChatOptions.builder()
            .baseUrl(v1BaseUrl)
            .apiKey("sk-test")
            .model(model)
            .maxRetries(2)
            .customHeaders(Map.of("X-Replay", replay))
            .build();
    return OpenAiChatModel.builder().options(options).observationRegistry(registry).build();
  }
}
