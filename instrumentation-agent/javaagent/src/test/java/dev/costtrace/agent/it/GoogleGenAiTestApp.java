package dev.costtrace.agent.it;

import com.google.auth.oauth2.AccessToken;
import com.google.auth.oauth2.GoogleCredentials;
import com.google.genai.Client;
import com.google.genai.ResponseStream;
import com.google.genai.types.GenerateContentConfig;
import com.google.genai.types.GenerateContentResponse;
import com.google.genai.types.HttpOptions;
import com.google.genai.types.HttpRetryOptions;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.context.Scope;
import java.util.Date;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * The Google Gen AI SDK calls of {@code GoogleGenAiIT}, against the replay server: blocking, async,
 * streamed and async streamed on the Gemini API, blocking on Vertex AI (with baggage, and with only
 * the request's labels naming the conversation), a 429 then its retry, a 404. Each scenario prints
 * what the app saw as one {@code RESULT} line, to compare runs with and without the agent.
 */
public final class GoogleGenAiTestApp {
  private static final String PROMPT = "What is the capital of France?";

  private GoogleGenAiTestApp() {}

  public static void main(String[] args) {
    String root = args[0];
    Client gemini = Client.builder().apiKey("AIza-test-key").httpOptions(options(root)).build();
    Client vertex =
        Client.builder()
            .vertexAI(true)
            .project("costtrace-demo")
            .location("us-central1")
            .credentials(
                GoogleCredentials.create(
                    new AccessToken(
                        "ya29.test-token", new Date(System.currentTimeMillis() + 3_600_000L))))
            .httpOptions(options(root))
            .build();
    GenerateContentConfig config = GenerateContentConfig.builder().maxOutputTokens(1024).build();
    report(
        "gemini-sync",
        () -> describe(gemini.models.generateContent("gemini-2.5-flash", PROMPT, config)));
    report(
        "gemini-async",
        () ->
            describe(
                gemini.async.models.generateContent("gemini-2.5-flash", PROMPT, config).join()));
    report(
        "gemini-stream",
        () -> text(gemini.models.generateContentStream("gemini-2.5-flash", PROMPT, config)));
    report(
        "gemini-async-stream",
        () ->
            text(
                gemini
                    .async
                    .models
                    .generateContentStream("gemini-2.5-flash", PROMPT, config)
                    .join()));
    GenerateContentConfig labelled =
        GenerateContentConfig.builder()
            .maxOutputTokens(1024)
            .labels(Map.of("conversation_id", "conv-vertex-labels-7"))
            .build();
    report(
        "vertex-sync",
        () -> describe(vertex.models.generateContent("gemini-2.5-flash", PROMPT, labelled)));
    System.out.println(
        "RESULT vertex-labels "
            + outcome(
                () ->
                    describe(vertex.models.generateContent("gemini-2.5-flash", PROMPT, labelled))));
    report("gemini-retry", () -> retried(root, config));
    report(
        "gemini-error",
        () -> describe(gemini.models.generateContent("gemini-0.9-nonexistent", PROMPT, config)));
    // The SDK's HTTP and async threads would keep the JVM up for a minute; the agent flushes at
    // exit.
    System.exit(0);
  }

  private static HttpOptions options(String root) {
    return HttpOptions.builder().baseUrl(root + "/").build();
  }

  /** A client retrying once, fast; SDKs before retry options (1.x) have none to configure. */
  private static String retried(String root, GenerateContentConfig config) {
    HttpOptions options;
    try {
      options =
          HttpOptions.builder()
              .baseUrl(root + "/")
              .retryOptions(
                  HttpRetryOptions.builder().attempts(2).initialDelay(0.01).maxDelay(0.05).build())
              .build();
    } catch (LinkageError e) {
      return "retry-unsupported";
    }
    Client client = Client.builder().apiKey("AIza-test-key").httpOptions(options).build();
    return describe(client.models.generateContent("gemini-retry", PROMPT, config));
  }

  private static void report(String scenario, Supplier<String> call) {
    Baggage baggage =
        Baggage.current().toBuilder().put("gen_ai.conversation.id", "conv-" + scenario).build();
    try (Scope ignored = baggage.makeCurrent()) {
      System.out.println("RESULT " + scenario + " " + outcome(call));
    }
  }

  private static String outcome(Supplier<String> call) {
    try {
      return call.get();
    } catch (RuntimeException e) {
      Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
      return "error " + cause.getClass().getName();
    }
  }

  private static String describe(GenerateContentResponse r) {
    return r.responseId().orElse("-")
        + " "
        + r.modelVersion().orElse("-")
        + " "
        + r.text()
        + " "
        + r.usageMetadata().flatMap(u -> u.promptTokenCount()).orElse(-1)
        + "/"
        + r.usageMetadata().flatMap(u -> u.candidatesTokenCount()).orElse(-1);
  }

  private static String text(ResponseStream<GenerateContentResponse> stream) {
    StringBuilder text = new StringBuilder();
    try (ResponseStream<GenerateContentResponse> s = stream) {
      for (GenerateContentResponse chunk : s) {
        text.append(chunk.text());
      }
    }
    return text.toString();
  }
}
