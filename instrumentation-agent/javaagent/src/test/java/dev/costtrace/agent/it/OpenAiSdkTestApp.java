package dev.costtrace.agent.it;

import static dev.costtrace.agent.it.HttpCaptureTestApp.scenario;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.AsyncStreamResponse;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseStreamEvent;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.context.Scope;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.stream.Stream;

/**
 * The application for the OpenAI SDK ITs (Responses API and chat streams), run in its own JVM with
 * or without the agent. Each scenario runs under an app span {@code scenario <name>} and prints
 * what the app saw as {@code RESULT <name> <outcome>}, so a run with the agent can be compared with
 * one without it. The {@code X-Replay} header (a per-request header) picks the recording.
 *
 * <p>Arguments: {@code <baseUrl> all|core}; {@code core} leaves out what an older SDK lacks (the
 * Responses API {@code conversation} field).
 */
public final class OpenAiSdkTestApp {
  static final String CONVERSATION = "conv_68d2a3f0c1b28190a4e5f6a7b8c9d0e1";

  private final OpenAIClient client;

  private OpenAiSdkTestApp(String baseUrl) {
    this.client =
        OpenAIOkHttpClient.builder().apiKey("sk-test").baseUrl(baseUrl).maxRetries(2).build();
  }

  public static void main(String[] args) {
    OpenAiSdkTestApp app = new OpenAiSdkTestApp(args[0]);
    boolean all = args.length < 2 || args[1].equals("all");
    scenario(
        "responses-sync",
        () -> describe(app.client.responses().create(params("responses-json", "default"))));
    scenario(
        "responses-async",
        () ->
            describe(
                app.client
                    .async()
                    .responses()
                    .create(params("responses-json", "auto"))
                    .get(30, TimeUnit.SECONDS)));
    scenario("responses-stream", app::stream);
    scenario("responses-async-stream", app::asyncStream);
    scenario("responses-stream-closed-early", app::streamClosedEarly);
    scenario(
        "responses-retry",
        () -> describe(app.client.responses().create(params("responses-retry", null))));
    scenario(
        "responses-error",
        () -> describe(app.client.responses().create(params("model-not-found", null))));
    scenario(
        "responses-malformed",
        () -> describe(app.client.responses().create(params("responses-malformed", null))));
    scenario(
        "chat-sync",
        () -> describe(app.client.chat().completions().create(chatParams("chat-json"))));
    scenario(
        "chat-async",
        () ->
            describe(
                app.client
                    .async()
                    .chat()
                    .completions()
                    .create(chatParams("chat-json"))
                    .get(30, TimeUnit.SECONDS)));
    scenario("chat-stream", app::chatStream);
    scenario("chat-async-stream", app::chatAsyncStream);
    scenario("responses-raw", app::raw);
    scenario("responses-async-raw", app::asyncRaw);
    if (all) {
      scenario(
          "responses-conversation",
          () ->
              describe(
                  app.client
                      .responses()
                      .create(
                          params("responses-json", null).toBuilder()
                              .conversation(CONVERSATION)
                              .build())));
      scenario(
          "responses-conversation-under-baggage",
          () -> {
            Baggage baggage =
                Baggage.current().toBuilder()
                    .put("gen_ai.conversation.id", "conv-app-baggage-5")
                    .build();
            try (Scope ignored = baggage.makeCurrent()) {
              return describe(
                  app.client
                      .responses()
                      .create(
                          params("responses-json", null).toBuilder()
                              .conversation(CONVERSATION)
                              .build()));
            }
          });
    }
    System.exit(0);
  }

  static ResponseCreateParams params(String replay, String serviceTier) {
    ResponseCreateParams.Builder b =
        ResponseCreateParams.builder()
            .model("o4-mini")
            .input("What is the capital of France?")
            .maxOutputTokens(512)
            .putAdditionalHeader("X-Replay", replay);
    if (serviceTier != null) {
      b.serviceTier(ResponseCreateParams.ServiceTier.of(serviceTier));
    }
    return b.build();
  }

  /** {@code withRawResponse()}: the status, then the parsed response. */
  private String raw() {
    try (HttpResponseFor<Response> raw =
        client.responses().withRawResponse().create(params("responses-json", null))) {
      return raw.statusCode() + " " + describe(raw.parse());
    }
  }

  private String asyncRaw() {
    try {
      HttpResponseFor<Response> raw =
          client
              .async()
              .responses()
              .withRawResponse()
              .create(params("responses-json", null))
              .get(30, TimeUnit.SECONDS);
      try (raw) {
        return raw.statusCode() + " " + describe(raw.parse());
      }
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** What the app reads from a response; a malformed field shows as the SDK's exception. */
  static String describe(Response r) {
    String usage;
    try {
      usage =
          r.usage()
              .map(
                  u ->
                      u.inputTokens()
                          + "/"
                          + u.inputTokensDetails().cachedTokens()
                          + "/"
                          + u.outputTokens()
                          + "/"
                          + u.outputTokensDetails().reasoningTokens())
              .orElse("-");
    } catch (RuntimeException e) {
      usage = "usage-error " + e.getClass().getName();
    }
    return r.id() + " " + r.status().map(Object::toString).orElse("-") + " " + usage;
  }

  private String stream() {
    StringBuilder seen = new StringBuilder();
    try (StreamResponse<ResponseStreamEvent> events =
        client.responses().createStreaming(params("responses-sse-reasoning", null))) {
      events.stream().forEach(e -> append(seen, e));
    }
    return seen.toString();
  }

  private String asyncStream() throws Exception {
    return collect(
        client.async().responses().createStreaming(params("responses-sse-reasoning", null)),
        OpenAiSdkTestApp::append);
  }

  /** Subscribes to an async stream and returns what {@code append} made of its events. */
  private static <T> String collect(
      AsyncStreamResponse<T> events, BiConsumer<StringBuilder, T> append) throws Exception {
    StringBuilder seen = new StringBuilder();
    CompletableFuture<Void> done = new CompletableFuture<>();
    events.subscribe(
        new AsyncStreamResponse.Handler<T>() {
          @Override
          public void onNext(T e) {
            synchronized (seen) {
              append.accept(seen, e);
            }
          }

          @Override
          public void onComplete(Optional<Throwable> error) {
            done.complete(null);
          }
        });
    done.get(30, TimeUnit.SECONDS);
    synchronized (seen) {
      return seen.toString();
    }
  }

  /** Reads the first event only, then closes the stream, as an app that stops early would. */
  private String streamClosedEarly() {
    try (StreamResponse<ResponseStreamEvent> events =
            client.responses().createStreaming(params("responses-sse-reasoning", null));
        Stream<ResponseStreamEvent> stream = events.stream()) {
      Iterator<ResponseStreamEvent> it = stream.iterator();
      return "first " + (it.hasNext() && it.next().isCreated());
    }
  }

  private static void append(StringBuilder seen, ResponseStreamEvent e) {
    e.outputTextDelta().ifPresent(d -> seen.append(d.delta()));
    e.completed().ifPresent(c -> seen.append(" | ").append(describe(c.response())));
  }

  private static ChatCompletionCreateParams chatParams(String replay) {
    ChatCompletionCreateParams.Builder b =
        ChatCompletionCreateParams.builder()
            .model("gpt-4o-mini")
            .addUserMessage("What is the capital of France?")
            .serviceTier(ChatCompletionCreateParams.ServiceTier.DEFAULT)
            .putAdditionalHeader("X-Replay", replay);
    if (replay.equals("chat-sse")) {
      b.streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build());
    }
    return b.build();
  }

  private static String describe(ChatCompletion c) {
    return c.id()
        + " "
        + c.choices().get(0).finishReason()
        + " "
        + c.usage().map(u -> u.promptTokens() + "/" + u.completionTokens()).orElse("-");
  }

  private String chatStream() {
    StringBuilder seen = new StringBuilder();
    try (StreamResponse<ChatCompletionChunk> chunks =
        client.chat().completions().createStreaming(chatParams("chat-sse"))) {
      chunks.stream().forEach(c -> append(seen, c));
    }
    return seen.toString();
  }

  private String chatAsyncStream() throws Exception {
    return collect(
        client.async().chat().completions().createStreaming(chatParams("chat-sse")),
        OpenAiSdkTestApp::append);
  }

  private static void append(StringBuilder seen, ChatCompletionChunk c) {
    List<ChatCompletionChunk.Choice> choices = c.choices();
    for (ChatCompletionChunk.Choice choice : choices) {
      choice.delta().content().ifPresent(seen::append);
    }
    c.usage()
        .ifPresent(
            u ->
                seen.append(" | ")
                    .append(u.promptTokens())
                    .append('/')
                    .append(u.completionTokens()));
  }
}
