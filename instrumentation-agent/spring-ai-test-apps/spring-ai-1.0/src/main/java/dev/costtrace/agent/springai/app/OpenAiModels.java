package dev.costtrace.agent.springai.app;

import io.micrometer.observation.ObservationRegistry;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.openai.OpenAiChatModel;
import org.springframework.ai.openai.OpenAiChatOptions;
import org.springframework.ai.openai.api.OpenAiApi;
import org.springframework.ai.retry.TransientAiException;
import org.springframework.retry.support.RetryTemplate;
import org.springframework.util.LinkedMultiValueMap;

/**
 * Spring AI 1.x's OpenAI chat model, as an app builds it: its own {@code OpenAiApi} on Spring's
 * RestClient and WebClient (here over the JDK HttpClient), retried by Spring Retry — with a short
 * back-off, so the 503 scenario does not wait the default two seconds.
 */
final class OpenAiModels {
  private OpenAiModels() {}

  /**
   * @param v1BaseUrl the replay server's {@code http://host:port/v1}
   * @param replay the recording the replay server answers with ({@code X-Replay})
   */
  static ChatModel openAi(
      String v1BaseUrl, String model, String replay, ObservationRegistry registry) {
    LinkedMultiValueMap<String, String> headers = new LinkedMultiValueMap<>();
    headers.add("X-Replay", replay);
    OpenAiApi api =
        OpenAiApi.builder()
            .baseUrl(v1BaseUrl.substring(0, v1BaseUrl.length() - "/v1".length()))
            .apiKey("sk-test")
            .headers(headers)
            .build();
    return OpenAiChatModel.builder()
        .openAiApi(api)
        .defaultOptions(OpenAiChatOptions.builder().model(model).streamUsage(true).build())
        .retryTemplate(
            RetryTemplate.builder()
                .maxAttempts(3)
                .fixedBackoff(10)
                .retryOn(TransientAiException.class)
                .build())
        .observationRegistry(registry)
        .build();
  }
}
