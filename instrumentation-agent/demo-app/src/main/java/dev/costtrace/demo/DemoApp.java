package dev.costtrace.demo;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.responses.ResponseCreateParams;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.context.Scope;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * A small app that talks to LLMs the way a product team's does: support chats on gpt-4o-mini (chat
 * completions), code reviews on o4-mini (the Responses API) and document search on Claude (streamed
 * messages), for three tenants, a few turns per conversation. It knows nothing of CostTrace: the
 * conversation, tenant and feature travel as OpenTelemetry baggage (as the app's web layer would
 * set them), and the agent attached to the JVM turns every call into a priced gen_ai span.
 *
 * <p>Settings (environment): {@code DEMO_VENDOR_URL} (default {@code http://localhost:8080}, the
 * {@link dev.costtrace.demo.vendor.RecordedVendor}), {@code DEMO_CONVERSATIONS} (default {@value
 * #DEFAULT_CONVERSATIONS}), {@code DEMO_SEED} (default {@value #DEFAULT_SEED}; the same seed makes
 * the same conversations).
 */
public final class DemoApp {
  public static final String ENV_VENDOR_URL = "DEMO_VENDOR_URL";
  public static final String ENV_CONVERSATIONS = "DEMO_CONVERSATIONS";
  public static final String ENV_SEED = "DEMO_SEED";

  /** Every environment variable the app reads. */
  public static final List<String> ENVIRONMENT =
      List.of(ENV_VENDOR_URL, ENV_CONVERSATIONS, ENV_SEED);

  static final int DEFAULT_CONVERSATIONS = 30;
  static final long DEFAULT_SEED = 7;
  static final String DEFAULT_VENDOR_URL = "http://localhost:8080";
  static final List<String> TENANTS = List.of("acme", "globex", "initech");
  static final int MAX_TURNS = 5;

  private final OpenAIClient openAi;
  private final AnthropicClient anthropic;

  DemoApp(String vendorUrl) {
    this.openAi = OpenAIOkHttpClient.builder().apiKey("sk-demo").baseUrl(vendorUrl + "/v1").build();
    this.anthropic =
        AnthropicOkHttpClient.builder().apiKey("sk-ant-demo").baseUrl(vendorUrl).build();
  }

  public static void main(String[] args) {
    String vendor = env(ENV_VENDOR_URL, DEFAULT_VENDOR_URL);
    int conversations = Integer.parseInt(env(ENV_CONVERSATIONS, "" + DEFAULT_CONVERSATIONS));
    long seed = Long.parseLong(env(ENV_SEED, "" + DEFAULT_SEED));
    DemoApp app = new DemoApp(vendor);
    int calls = app.run(conversations, seed);
    System.out.println(
        "demo: " + conversations + " conversations, " + calls + " LLM calls against " + vendor);
    // The SDKs' HTTP threads would keep the JVM up a while; the agent flushes its spans at exit.
    System.exit(0);
  }

  private static String env(String name, String fallback) {
    String v = System.getenv(name);
    return v == null || v.isBlank() ? fallback : v.trim();
  }

  /** Runs the conversations; returns the number of LLM calls made. */
  int run(int conversations, long seed) {
    Random random = new Random(seed);
    int calls = 0;
    for (int i = 1; i <= conversations; i++) {
      Feature feature = Feature.values()[random.nextInt(Feature.values().length)];
      String tenant = TENANTS.get(random.nextInt(TENANTS.size()));
      int turns = 1 + random.nextInt(MAX_TURNS);
      String id = String.format(Locale.ROOT, "demo-%d-%03d", seed, i);
      // What the conversation will be, for whoever checks what the receiver makes of it.
      System.out.println("conversation " + id + " " + tenant + " " + feature.id + " " + turns);
      Baggage baggage =
          Baggage.current().toBuilder()
              .put("gen_ai.conversation.id", id)
              .put("costtrace.tenant.id", tenant)
              .put("costtrace.feature", feature.id)
              .build();
      try (Scope ignored = baggage.makeCurrent()) {
        for (int turn = 0; turn < turns; turn++) {
          turn(feature);
          calls++;
        }
      }
    }
    return calls;
  }

  private void turn(Feature feature) {
    switch (feature) {
      case SUPPORT:
        openAi
            .chat()
            .completions()
            .create(
                ChatCompletionCreateParams.builder()
                    .model("gpt-4o-mini")
                    .addUserMessage("How do I reset my password?")
                    .build());
        break;
      case CODE_REVIEW:
        openAi
            .responses()
            .create(
                ResponseCreateParams.builder()
                    .model("o4-mini")
                    .input("Why does this test fail on CI only?")
                    .maxOutputTokens(1024)
                    .build());
        break;
      default:
        try (StreamResponse<RawMessageStreamEvent> events =
            anthropic
                .messages()
                .createStreaming(
                    MessageCreateParams.builder()
                        .model("claude-sonnet-4-5")
                        .maxTokens(1024)
                        .addUserMessage("What notice period does the contract set?")
                        .build())) {
          events.stream().forEach(e -> {});
        }
    }
  }

  /** The app's features, as its dashboards name them. */
  enum Feature {
    SUPPORT("support-chat"),
    CODE_REVIEW("code-review"),
    DOC_SEARCH("doc-search");

    final String id;

    Feature(String id) {
      this.id = id;
    }
  }
}
