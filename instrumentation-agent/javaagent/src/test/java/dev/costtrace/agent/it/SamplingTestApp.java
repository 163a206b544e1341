package dev.costtrace.agent.it;

import static dev.costtrace.agent.it.HttpCaptureTestApp.scenario;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.concurrent.Callable;

/**
 * The application of {@link SamplingIT}, run in its own JVM under whatever sampler the test sets: a
 * service answering many requests, each with one LLM call (the upstream OpenAI chat span, with the
 * HTTP client span of its request under it) made inside an app span, the conversation, user and
 * (untrusted by default) tenant arriving as inbound headers; then one call each through the
 * Anthropic SDK, the OpenAI Responses API and a LangChain4j assistant that runs a tool, under app
 * spans of their own. Every call prints what the app saw ({@code RESULT <name> <outcome>}).
 *
 * <p>Arguments: {@code <openAiBaseUrl> <anthropicBaseUrl> <conversationPrefix> <requests>}.
 */
public final class SamplingTestApp {
  private SamplingTestApp() {}

  public static void main(String[] args) throws Exception {
    String base = args[0];
    String prefix = args[2];
    int requests = Integer.parseInt(args[3]);
    OpenAiCalls openAi = new OpenAiCalls(base);
    serve(
        requests,
        prefix,
        () -> {
          Span answer = GlobalOpenTelemetry.getTracer("test-app").spanBuilder("answer").startSpan();
          try (Scope ignored = answer.makeCurrent()) {
            return openAi.chat();
          } finally {
            answer.end();
          }
        });
    // The SDK's own tracing on, as by default: the kept call still has one span, ours.
    scenario(
        "anthropic",
        () -> inConversation(prefix + "-anthropic", () -> new AnthropicCalls(args[1]).message()));
    scenario("responses", () -> inConversation(prefix + "-responses", openAi::response));
    // The conversation is the assistant's memory ID.
    scenario(
        "lc4j-tool",
        () ->
            LangChain4jTestApp.assistant(
                base, "lc4j-tool-round-trip", prefix + "-lc4j", "What is the weather in Paris?"));
    System.exit(0);
  }

  /**
   * Serves {@code requests} requests, one after the other, each its own conversation ({@code
   * <prefix>-served-<n>}) from the {@code X-Conversation-Id} header, all of user {@code
   * <prefix>-user} and claiming tenant {@code <prefix>-tenant}; {@code handler} runs inside each.
   */
  private static void serve(int requests, String prefix, Callable<String> handler)
      throws Exception {
    HttpServer server = AgentTestApp.askServer(handler);
    try {
      HttpClient client = HttpClient.newHttpClient();
      URI uri = URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/ask");
      for (int i = 0; i < requests; i++) {
        HttpRequest request =
            HttpRequest.newBuilder(uri)
                .header("X-Conversation-Id", prefix + "-served-" + i)
                .header("X-User-Id", prefix + "-user")
                .header("X-Tenant-Id", prefix + "-tenant")
                .build();
        System.out.println(
            "RESULT served-"
                + i
                + " "
                + client.send(request, HttpResponse.BodyHandlers.ofString()).body());
      }
    } finally {
      server.stop(0);
    }
  }

  private static String inConversation(String conversation, Callable<String> call)
      throws Exception {
    Baggage baggage =
        Baggage.current().toBuilder().put("gen_ai.conversation.id", conversation).build();
    try (Scope ignored = baggage.makeCurrent()) {
      return call.call();
    }
  }
}
