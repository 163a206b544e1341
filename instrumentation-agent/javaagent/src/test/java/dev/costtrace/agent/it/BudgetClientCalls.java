package dev.costtrace.agent.it;

import com.azure.ai.openai.OpenAIClientBuilder;
import com.azure.ai.openai.models.ChatCompletionsOptions;
import com.azure.ai.openai.models.ChatRequestUserMessage;
import com.azure.core.http.HttpHeaderName;
import com.azure.core.http.HttpHeaders;
import com.azure.core.http.policy.AddHeadersPolicy;
import com.google.genai.Client;
import com.google.genai.ResponseStream;
import com.google.genai.types.GenerateContentConfig;
import com.google.genai.types.GenerateContentResponse;
import com.google.genai.types.HttpOptions;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelRequest;

/**
 * The budget ITs' calls of the clients added after the first budget work: the Google Gen AI SDK
 * (blocking, streamed, async), the Azure OpenAI client library (blocking, streamed, async) and the
 * AWS SDK's Bedrock Runtime (Converse, ConverseStream, InvokeModel), each against the replay server
 * with the scenario in an {@code X-Scenario} header. Scenario names say the client and the case.
 */
final class BudgetClientCalls {
  static final String PROMPT = "What is the capital of France?";
  static final String CLAUDE = BedrockTestApp.CLAUDE;

  private final String root;
  private BedrockRuntimeClient bedrock;
  private BedrockRuntimeAsyncClient bedrockAsync;

  BudgetClientCalls(String root) {
    this.root = root;
  }

  /** The call of {@code scenario}, or null when it is not one of these clients'. */
  BudgetTestApp.Call call(String scenario) {
    switch (scenario) {
      case "google-cap":
        return () ->
            text(gemini(scenario).models.generateContent("gemini-2.5-flash", PROMPT, max()));
      case "google-downgrade":
        return () -> text(gemini(scenario).models.generateContent("gemini-2.5-pro", PROMPT, max()));
      case "google-limit":
        return () -> {
          try (ResponseStream<GenerateContentResponse> s =
              gemini(scenario).models.generateContentStream("gemini-2.5-flash", PROMPT, max())) {
            StringBuilder text = new StringBuilder();
            s.forEach(chunk -> text.append(chunk.text()));
            return text.toString();
          }
        };
      case "google-warn":
        return () ->
            text(
                gemini(scenario)
                    .async
                    .models
                    .generateContent("gemini-2.5-flash", PROMPT, max())
                    .join());
      case "azure-cap":
        return () ->
            azure(scenario).buildClient().getChatCompletions("chat-prod", azureOptions()).getId();
      case "azure-downgrade":
        return () ->
            azure(scenario).buildClient().getChatCompletions("chat-big", azureOptions()).getId();
      case "azure-limit":
        return () ->
            String.valueOf(
                azure(scenario)
                    .buildClient()
                    .getChatCompletionsStream("chat-prod", azureOptions())
                    .stream()
                    .count());
      case "azure-async":
        return () ->
            azure(scenario)
                .buildAsyncClient()
                .getChatCompletions("chat-prod", azureOptions())
                .block()
                .getId();
      case "bedrock-cap":
        return () -> bedrock().converse(converse(scenario, CLAUDE)).stopReasonAsString();
      case "bedrock-downgrade":
        return () ->
            bedrock().converse(converse(scenario, CLAUDE)).usage().outputTokens().toString();
      case "bedrock-limit":
        return () -> bedrockStream(scenario);
      case "bedrock-warn":
        return () ->
            bedrock()
                    .invokeModel(
                        InvokeModelRequest.builder()
                            .modelId(CLAUDE)
                            .contentType("application/json")
                            .accept("application/json")
                            .overrideConfiguration(o -> o.putHeader("X-Scenario", scenario))
                            .body(
                                SdkBytes.fromString(
                                    "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":512,"
                                        + "\"messages\":[{\"role\":\"user\",\"content\":\""
                                        + PROMPT
                                        + "\"}]}",
                                    StandardCharsets.UTF_8))
                            .build())
                    .body()
                    .asUtf8String()
                    .length()
                + " bytes";
      default:
        return null;
    }
  }

  private Client gemini(String scenario) {
    return Client.builder()
        .apiKey("AIza-test-key")
        .httpOptions(
            HttpOptions.builder()
                .baseUrl(root + "/")
                .headers(Map.of("X-Scenario", scenario))
                .build())
        .build();
  }

  private static GenerateContentConfig max() {
    return GenerateContentConfig.builder().maxOutputTokens(1024).build();
  }

  private static String text(GenerateContentResponse r) {
    return r.text();
  }

  private OpenAIClientBuilder azure(String scenario) {
    return new OpenAIClientBuilder()
        .endpoint(root)
        .addPolicy(
            new AddHeadersPolicy(
                new HttpHeaders()
                    .set(HttpHeaderName.fromString("api-key"), "azure-test-key")
                    .set(HttpHeaderName.fromString("X-Scenario"), scenario)));
  }

  private static ChatCompletionsOptions azureOptions() {
    ChatCompletionsOptions options =
        new ChatCompletionsOptions(List.of(new ChatRequestUserMessage(PROMPT)));
    options.setMaxTokens(1024);
    return options;
  }

  private BedrockRuntimeClient bedrock() {
    if (bedrock == null) {
      bedrock =
          BedrockRuntimeClient.builder()
              .region(Region.US_EAST_1)
              .endpointOverride(URI.create(root))
              .credentialsProvider(credentials())
              .build();
    }
    return bedrock;
  }

  private static StaticCredentialsProvider credentials() {
    return StaticCredentialsProvider.create(
        AwsBasicCredentials.create("AKIATESTKEY", "test-secret"));
  }

  private static ConverseRequest converse(String scenario, String model) {
    return ConverseRequest.builder()
        .modelId(model)
        .messages(BedrockTestApp.question())
        .inferenceConfig(c -> c.maxTokens(512))
        .overrideConfiguration(o -> o.putHeader("X-Scenario", scenario))
        .build();
  }

  private String bedrockStream(String scenario) {
    if (bedrockAsync == null) {
      // HTTP/1.1: the replay server speaks no cleartext HTTP/2.
      bedrockAsync =
          BedrockRuntimeAsyncClient.builder()
              .region(Region.US_EAST_1)
              .endpointOverride(URI.create(root))
              .httpClientBuilder(NettyNioAsyncHttpClient.builder().protocol(Protocol.HTTP1_1))
              .credentialsProvider(credentials())
              .build();
    }
    return BedrockTestApp.stream(bedrockAsync, scenario);
  }
}
