package dev.costtrace.agent.it;

import static dev.costtrace.agent.it.HttpCaptureTestApp.scenario;

import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.data.embedding.Embedding;
import dev.langchain4j.data.segment.TextSegment;
import dev.langchain4j.memory.chat.MessageWindowChatMemory;
import dev.langchain4j.model.anthropic.AnthropicChatModel;
import dev.langchain4j.model.anthropic.AnthropicStreamingChatModel;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiEmbeddingModel;
import dev.langchain4j.model.openai.OpenAiStreamingChatModel;
import dev.langchain4j.model.output.Response;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.MemoryId;
import dev.langchain4j.service.TokenStream;
import dev.langchain4j.service.UserMessage;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.context.Scope;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The application for the LangChain4j ITs, run in its own JVM with (or without) the agent: real
 * LangChain4j OpenAI and Anthropic models, blocking and streaming, and an AiServices assistant with
 * one {@code @Tool}, against the replay server ({@code X-Replay} picks the recording). Each
 * scenario runs under an app span {@code scenario <name>} and prints what the app saw.
 *
 * <p>Arguments: the replay server's base URL ({@code http://127.0.0.1:<port>/v1}); then {@code
 * stall} to run only the stream whose model never calls back.
 */
public final class LangChain4jTestApp {
  private LangChain4jTestApp() {}

  /** The assistant: the conversation is its chat memory, keyed by {@code @MemoryId}. */
  interface Assistant {
    String chat(@MemoryId String conversation, @UserMessage String question);
  }

  /** The same assistant, streaming. */
  interface StreamingAssistant {
    TokenStream chat(@MemoryId String conversation, @UserMessage String question);
  }

  /** The app's one tool; it fails for a city it does not know, as app code does. */
  static final class WeatherTools {
    final AtomicInteger calls = new AtomicInteger();

    @Tool(name = "get_weather", value = "The current weather in a city")
    String weather(String city) {
      calls.incrementAndGet();
      if (city.equals("Atlantis")) {
        throw new IllegalArgumentException("unknown city: " + city);
      }
      return "18°C, sunny";
    }
  }

  /** An in-house model (no known provider) that routes every call to a vendor's model. */
  static final class RoutingModel implements ChatModel {
    private final ChatModel vendor;

    RoutingModel(ChatModel vendor) {
      this.vendor = vendor;
    }

    @Override
    public ChatResponse doChat(dev.langchain4j.model.chat.request.ChatRequest request) {
      return vendor.chat(request);
    }
  }

  public static void main(String[] args) throws Exception {
    String base = args[0];
    if (args.length > 1 && args[1].equals("stall")) {
      // Alone, in a JVM of its own: the IT shortens the agent's stream timeout for it.
      scenario("lc4j-stream-stalled", () -> stalled(base));
      System.exit(0);
    }
    // Control: the JDK HttpClient capture is on for this host, so its absence under LangChain4j
    // spans is the one-span rule at work, not a capture that never fires. First: the capture ends
    // its span just after the app has the body, so a span of the last call could miss the exit.
    scenario(
        "jdk-direct",
        () ->
            HttpCaptureTestApp.jdkPost(
                java.net.http.HttpClient.newHttpClient(),
                base + "/chat/completions",
                HttpCaptureTestApp.CHAT,
                "chat-json",
                0));
    scenario(
        "lc4j-openai",
        () ->
            describe(
                openAi(base, "o4-mini", "lc4j-chat-reasoning", 2)
                    .chat(dev.langchain4j.data.message.UserMessage.from("What is 17 * 23?"))));
    scenario(
        "lc4j-openai-stream",
        () ->
            stream(
                OpenAiStreamingChatModel.builder()
                    .baseUrl(base)
                    .apiKey("sk-test")
                    .modelName("gpt-4o-mini")
                    .customHeaders(Map.of("X-Replay", "chat-sse"))
                    .build()));
    scenario(
        "lc4j-anthropic",
        () ->
            describe(
                AnthropicChatModel.builder()
                    .baseUrl(base + "/")
                    .apiKey("sk-ant-test")
                    .modelName("claude-sonnet-4-5")
                    .maxTokens(1024)
                    .build()
                    .chat(
                        dev.langchain4j.data.message.UserMessage.from(
                            "What is the capital of France?"))));
    scenario(
        "lc4j-anthropic-stream",
        () ->
            stream(
                AnthropicStreamingChatModel.builder()
                    .baseUrl(base + "/")
                    .apiKey("sk-ant-test")
                    .modelName("claude-sonnet-4-5")
                    .maxTokens(1024)
                    .build()));
    scenario(
        "lc4j-429-then-200",
        () ->
            describe(
                openAi(base, "gpt-4o-mini", "lc4j-rate-limited", 2)
                    .chat(
                        dev.langchain4j.data.message.UserMessage.from(
                            "What is the capital of France?"))));
    scenario(
        "lc4j-error",
        () -> {
          try {
            return describe(
                openAi(base, "gpt-9-turbo", "model-not-found", 0)
                    .chat(dev.langchain4j.data.message.UserMessage.from("Hello")));
          } catch (RuntimeException e) {
            return "error " + e.getClass().getName();
          }
        });
    scenario(
        "lc4j-routing-model",
        () ->
            describe(
                new RoutingModel(openAi(base, "gpt-4o-mini", "chat-json", 0))
                    .chat(
                        dev.langchain4j.data.message.UserMessage.from(
                            "What is the capital of France?"))));
    scenario(
        "lc4j-tool",
        () ->
            assistant(
                base, "lc4j-tool-round-trip", "conv-memory-7", "What is the weather in Paris?"));
    scenario(
        "lc4j-tool-error",
        () ->
            assistant(
                base, "lc4j-tool-error", "conv-memory-8", "What is the weather in Atlantis?"));
    scenario("lc4j-stream-tool", () -> streamingAssistant(base, "conv-memory-9"));
    scenario(
        "lc4j-baggage-over-memory-id",
        () -> {
          try (Scope ignored =
              Baggage.current().toBuilder()
                  .put("gen_ai.conversation.id", "conv-lc4j-baggage")
                  .build()
                  .makeCurrent()) {
            return assistant(base, "chat-json", "conv-memory-ignored", "Capital of France?");
          }
        });
    scenario(
        "lc4j-header",
        () ->
            AgentTestApp.runServerRoundTrip(
                () -> openAi(base, "gpt-4o-mini", "chat-json", 0).chat("Capital of France?")));
    scenario(
        "lc4j-embeddings",
        () -> {
          Response<List<Embedding>> r =
              OpenAiEmbeddingModel.builder()
                  .baseUrl(base)
                  .apiKey("sk-test")
                  .modelName("text-embedding-3-small")
                  .customHeaders(Map.of("X-Replay", "embeddings"))
                  .build()
                  .embedAll(List.of(TextSegment.from("Paris is the capital of France.")));
          return r.content().size()
              + " x "
              + r.content().get(0).dimension()
              + " | "
              + r.tokenUsage().inputTokenCount();
        });
    System.exit(0);
  }

  /**
   * A stream whose server sends the headers and then nothing: the model never calls the handler
   * back. The app gives up after {@link #STALL_WAIT_SECONDS} (the agent's stream timeout in the IT
   * is shorter).
   */
  static String stalled(String base) throws Exception {
    CompletableFuture<ChatResponse> done = new CompletableFuture<>();
    OpenAiStreamingChatModel.builder()
        .baseUrl(base)
        .apiKey("sk-test")
        .modelName("gpt-4o-mini")
        .customHeaders(Map.of("X-Replay", "stall"))
        .build()
        .chat("What is the capital of France?", handler(new StringBuilder(), done));
    try {
      done.get(STALL_WAIT_SECONDS, TimeUnit.SECONDS);
      return "answered";
    } catch (java.util.concurrent.TimeoutException e) {
      return "no answer within " + STALL_WAIT_SECONDS + " s";
    }
  }

  static final int STALL_WAIT_SECONDS = 5;

  static ChatModel openAi(String base, String model, String replay, int maxRetries) {
    return OpenAiChatModel.builder()
        .baseUrl(base)
        .apiKey("sk-test")
        .modelName(model)
        .maxRetries(maxRetries)
        .customHeaders(Map.of("X-Replay", replay))
        .build();
  }

  static String assistant(String base, String replay, String memoryId, String question) {
    WeatherTools tools = new WeatherTools();
    Assistant assistant =
        AiServices.builder(Assistant.class)
            .chatModel(openAi(base, "gpt-4o-mini", replay, 0))
            .tools(tools)
            .chatMemoryProvider(id -> MessageWindowChatMemory.withMaxMessages(10))
            .build();
    return assistant.chat(memoryId, question) + " | tool calls " + tools.calls.get();
  }

  static String streamingAssistant(String base, String memoryId) throws Exception {
    WeatherTools tools = new WeatherTools();
    StreamingAssistant assistant =
        AiServices.builder(StreamingAssistant.class)
            .streamingChatModel(
                OpenAiStreamingChatModel.builder()
                    .baseUrl(base)
                    .apiKey("sk-test")
                    .modelName("gpt-4o-mini")
                    .customHeaders(Map.of("X-Replay", "lc4j-stream-tool"))
                    .build())
            .tools(tools)
            .chatMemoryProvider(id -> MessageWindowChatMemory.withMaxMessages(10))
            .build();
    StringBuilder text = new StringBuilder();
    CompletableFuture<ChatResponse> done = new CompletableFuture<>();
    assistant
        .chat(memoryId, "What is the weather in Paris?")
        .onPartialResponse(text::append)
        .onCompleteResponse(done::complete)
        .onError(done::completeExceptionally)
        .start();
    done.get(30, TimeUnit.SECONDS);
    return text + " | tool calls " + tools.calls.get();
  }

  static String describe(ChatResponse r) {
    return r.aiMessage().text()
        + " | "
        + r.metadata().id()
        + " "
        + r.metadata().modelName()
        + " "
        + r.metadata().finishReason()
        + " "
        + r.metadata().tokenUsage().inputTokenCount()
        + "/"
        + r.metadata().tokenUsage().outputTokenCount();
  }

  static String stream(StreamingChatModel model) throws Exception {
    StringBuilder text = new StringBuilder();
    CompletableFuture<ChatResponse> done = new CompletableFuture<>();
    model.chat("What is the capital of France?", handler(text, done));
    ChatResponse r = done.get(30, TimeUnit.SECONDS);
    return text + " | " + describe(r);
  }

  /** The app's handler: collects the text, completes {@code done} with the response or error. */
  static StreamingChatResponseHandler handler(
      StringBuilder text, CompletableFuture<ChatResponse> done) {
    return new StreamingChatResponseHandler() {
      @Override
      public void onPartialResponse(String partial) {
        text.append(partial);
      }

      @Override
      public void onCompleteResponse(ChatResponse response) {
        done.complete(response);
      }

      @Override
      public void onError(Throwable error) {
        done.completeExceptionally(error);
      }
    };
  }
}
