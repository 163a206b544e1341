package dev.costtrace.agent.it;

import static dev.costtrace.agent.it.HttpCaptureTestApp.scenario;

import com.azure.ai.openai.OpenAIAsyncClient;
import com.azure.ai.openai.OpenAIClient;
import com.azure.ai.openai.OpenAIClientBuilder;
import com.azure.ai.openai.models.ChatCompletions;
import com.azure.ai.openai.models.ChatCompletionsOptions;
import com.azure.ai.openai.models.ChatRequestUserMessage;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpHeaders;
import com.azure.core.http.policy.AddHeadersPolicy;
import com.azure.core.http.policy.ExponentialBackoffOptions;
import com.azure.core.http.policy.RetryOptions;
import com.openai.azure.AzureOpenAIServiceVersion;
import com.openai.azure.AzureUrlPathMode;
import com.openai.azure.credential.AzureApiKeyCredential;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The application for AzureOpenAiIT, run in its own JVM with (or without) the agent: the Azure
 * OpenAI client library ({@code com.azure:azure-ai-openai}, sync and async, plain and streamed, a
 * 429 and its retry, a missing deployment) and the OpenAI Java SDK pointed at Azure OpenAI, all
 * calling deployment {@code chat-prod} (or the recordings' other deployments) on the replay server.
 * Each scenario runs under an app span {@code scenario <name>} and prints what the app saw.
 *
 * <p>Argument: the replay server's root URL ({@code http://127.0.0.1:<port>}), the Azure endpoint.
 */
public final class AzureOpenAiTestApp {
  private AzureOpenAiTestApp() {}

  public static void main(String[] args) {
    String endpoint = args[0];
    OpenAIClientBuilder builder =
        new OpenAIClientBuilder()
            .endpoint(endpoint)
            // The key as a header: the library refuses key credentials over plain HTTP, and the
            // replay server is plain HTTP on loopback.
            .addPolicy(
                new AddHeadersPolicy(
                    new HttpHeaders().set(HttpHeaderName.fromString("api-key"), "azure-test-key")))
            .retryOptions(
                new RetryOptions(
                    new ExponentialBackoffOptions()
                        .setMaxRetries(2)
                        .setBaseDelay(Duration.ofMillis(10))
                        .setMaxDelay(Duration.ofMillis(50))));
    OpenAIClient client = builder.buildClient();
    OpenAIAsyncClient async = builder.buildAsyncClient();
    scenario("azure-sync", () -> describe(client.getChatCompletions("chat-prod", options(false))));
    scenario(
        "azure-stream",
        () ->
            client.getChatCompletionsStream("chat-prod", options(true)).stream()
                .map(AzureOpenAiTestApp::text)
                .collect(Collectors.joining()));
    scenario(
        "azure-async",
        () -> describe(async.getChatCompletions("chat-prod", options(false)).block()));
    scenario(
        "azure-async-stream",
        () ->
            async
                .getChatCompletionsStream("chat-prod", options(true))
                .map(AzureOpenAiTestApp::text)
                .collect(Collectors.joining())
                .block());
    scenario(
        "azure-retry", () -> describe(client.getChatCompletions("chat-retry", options(false))));
    scenario(
        "azure-error",
        () -> {
          try {
            return describe(client.getChatCompletions("chat-missing", options(false)));
          } catch (HttpResponseException e) {
            return "error " + e.getClass().getName() + " " + e.getResponse().getStatusCode();
          }
        });
    scenario(
        "openai-sdk-azure",
        () -> {
          ChatCompletion completion =
              OpenAIOkHttpClient.builder()
                  .baseUrl(endpoint)
                  .credential(AzureApiKeyCredential.create("azure-test-key"))
                  .azureServiceVersion(AzureOpenAIServiceVersion.fromString("2024-10-21"))
                  .azureUrlPathMode(AzureUrlPathMode.LEGACY)
                  .build()
                  .chat()
                  .completions()
                  .create(
                      ChatCompletionCreateParams.builder()
                          .model("chat-prod")
                          .addUserMessage("What is the capital of France?")
                          .build());
          return completion.choices().get(0).message().content().orElse("")
              + " | "
              + completion.model();
        });
  }

  /**
   * The request. A streamed one takes no stream options here: 1.0.0-beta.12 has none, and the
   * recording carries the usage chunk that {@code include_usage} asks for either way.
   */
  private static ChatCompletionsOptions options(boolean stream) {
    ChatCompletionsOptions options =
        new ChatCompletionsOptions(
            List.of(new ChatRequestUserMessage("What is the capital of France?")));
    options.setMaxTokens(256);
    return options;
  }

  private static String describe(ChatCompletions c) {
    return text(c)
        + " | "
        + c.getId()
        + " "
        + c.getModel()
        + " "
        + c.getUsage().getPromptTokens()
        + "/"
        + c.getUsage().getCompletionTokens();
  }

  private static String text(ChatCompletions c) {
    if (c.getChoices() == null || c.getChoices().isEmpty()) {
      return "";
    }
    var choice = c.getChoices().get(0);
    var message = choice.getMessage() != null ? choice.getMessage() : choice.getDelta();
    return message == null || message.getContent() == null ? "" : message.getContent();
  }
}
