package dev.costtrace.agent.it;

import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.context.Scope;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.http.Protocol;
import software.amazon.awssdk.http.nio.netty.NettyNioAsyncHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeAsyncClient;
import software.amazon.awssdk.services.bedrockruntime.BedrockRuntimeClient;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamResponseHandler;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelRequest;
import software.amazon.awssdk.services.bedrockruntime.model.Message;

/**
 * The Bedrock Runtime calls of {@code BedrockIT}, against the replay server: Converse,
 * ConverseStream (async client), InvokeModel for Anthropic, Meta Llama and Mistral, a throttled
 * call retried by the SDK, and a validation error. Each scenario prints what the app saw as one
 * {@code RESULT} line, to compare runs with and without the agent.
 */
public final class BedrockTestApp {
  static final String CLAUDE = "anthropic.claude-3-5-sonnet-20241022-v2:0";
  static final String CLAUDE_STREAM = "us.anthropic.claude-sonnet-4-5-20250929-v1:0";
  static final String LLAMA = "meta.llama3-1-70b-instruct-v1:0";
  static final String MISTRAL = "mistral.mistral-large-2402-v1:0";

  private BedrockTestApp() {}

  public static void main(String[] args) {
    URI endpoint = URI.create(args[0]);
    StaticCredentialsProvider credentials =
        StaticCredentialsProvider.create(AwsBasicCredentials.create("AKIATESTKEY", "test-secret"));
    BedrockRuntimeClient client =
        BedrockRuntimeClient.builder()
            .region(Region.US_EAST_1)
            .endpointOverride(endpoint)
            .credentialsProvider(credentials)
            .build();
    // HTTP/1.1: the replay server speaks no cleartext HTTP/2 (Bedrock itself answers over TLS).
    BedrockRuntimeAsyncClient async =
        BedrockRuntimeAsyncClient.builder()
            .region(Region.US_EAST_1)
            .endpointOverride(endpoint)
            .httpClientBuilder(NettyNioAsyncHttpClient.builder().protocol(Protocol.HTTP1_1))
            .credentialsProvider(credentials)
            .build();
    report("converse", () -> describe(client.converse(converse(CLAUDE, null))));
    report("converse-stream", () -> stream(async, null));
    report(
        "invoke-anthropic",
        () ->
            invoke(
                client,
                CLAUDE,
                "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":512,"
                    + "\"messages\":[{\"role\":\"user\",\"content\":\"What is the capital of France?\"}]}"));
    report(
        "invoke-llama",
        () ->
            invoke(
                client,
                LLAMA,
                "{\"prompt\":\"What is the capital of France?\",\"max_gen_len\":512,\"temperature\":0.5}"));
    report(
        "invoke-mistral",
        () ->
            invoke(
                client,
                MISTRAL,
                "{\"prompt\":\"<s>[INST] What is the capital of France? [/INST]\",\"max_tokens\":400}"));
    report("retry", () -> describe(client.converse(converse(CLAUDE, "throttle-once"))));
    report("error", () -> describe(client.converse(converse("anthropic.claude-v0-unknown", null))));
    client.close();
    async.close();
    System.exit(0); // the agent flushes its spans at exit
  }

  static Message question() {
    return Message.builder()
        .role(ConversationRole.USER)
        .content(ContentBlock.fromText("What is the capital of France?"))
        .build();
  }

  private static ConverseRequest converse(String model, String replay) {
    ConverseRequest.Builder b =
        ConverseRequest.builder()
            .modelId(model)
            .messages(question())
            .inferenceConfig(c -> c.maxTokens(512));
    if (replay != null) {
      b.overrideConfiguration(o -> o.putHeader("X-Replay", replay));
    }
    return b.build();
  }

  private static String describe(ConverseResponse r) {
    return r.stopReasonAsString()
        + " "
        + r.output().message().content().get(0).text()
        + " "
        + r.usage().inputTokens()
        + "/"
        + r.usage().outputTokens();
  }

  private static String invoke(BedrockRuntimeClient client, String model, String body) {
    return client
        .invokeModel(
            InvokeModelRequest.builder()
                .modelId(model)
                .contentType("application/json")
                .accept("application/json")
                .body(SdkBytes.fromString(body, StandardCharsets.UTF_8))
                .build())
        .body()
        .asUtf8String();
  }

  /** A ConverseStream call's text; {@code scenario}: its {@code X-Scenario} header, or null. */
  static String stream(BedrockRuntimeAsyncClient async, String scenario) {
    StringBuilder text = new StringBuilder();
    ConverseStreamResponseHandler handler =
        ConverseStreamResponseHandler.builder()
            .subscriber(
                ConverseStreamResponseHandler.Visitor.builder()
                    .onContentBlockDelta(
                        d -> {
                          synchronized (text) {
                            text.append(d.delta().text());
                          }
                        })
                    .build())
            .build();
    async
        .converseStream(
            ConverseStreamRequest.builder()
                .modelId(CLAUDE_STREAM)
                .messages(question())
                .inferenceConfig(c -> c.maxTokens(512))
                .overrideConfiguration(
                    o -> {
                      if (scenario != null) {
                        o.putHeader("X-Scenario", scenario);
                      }
                    })
                .build(),
            handler)
        .join();
    synchronized (text) {
      return text.toString();
    }
  }

  private static void report(String scenario, Supplier<String> call) {
    Baggage baggage =
        Baggage.current().toBuilder()
            .put("gen_ai.conversation.id", "conv-bedrock-" + scenario)
            .build();
    String outcome;
    try (Scope ignored = baggage.makeCurrent()) {
      outcome = call.get();
    } catch (RuntimeException e) {
      Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
      outcome = "error " + cause.getClass().getName();
    }
    System.out.println("RESULT " + scenario + " " + outcome);
  }
}
