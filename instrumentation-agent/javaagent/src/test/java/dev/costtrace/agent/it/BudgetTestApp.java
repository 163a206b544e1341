package dev.costtrace.agent.it;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.models.messages.MessageCreateParams;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.responses.ResponseCreateParams;
import dev.costtrace.budget.api.BudgetRemaining;
import dev.costtrace.budget.api.ConversationBudgetExceededException;
import dev.costtrace.budget.api.ConversationBudgets;
import dev.langchain4j.model.openai.OpenAiChatModel;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import okhttp3.MediaType;
import okhttp3.OkHttpClient;
import okhttp3.Request;
import okhttp3.RequestBody;
import okhttp3.Response;

/**
 * The application of the budget ITs: real SDK calls in conversations whose feature (baggage {@code
 * costtrace.feature}) picks a budget rule, each scenario calling until the budget stops it (at most
 * {@link #MAX_CALLS}), under an app span {@code scenario <name>}. Catches {@link
 * ConversationBudgetExceededException} by type, as an app compiled against the budget API does, and
 * prints {@code RESULT <scenario> calls=<sent> blocked=<limit>/<conversation> loader=<who loaded
 * the exception class> remaining=<ConversationBudgets.remaining>}.
 *
 * <p>Arguments: {@code <openai base url> <anthropic base url> <scenario>...}; scenario {@code
 * wait-file:<path>} waits for a file to exist (the reload IT changes the rules meanwhile).
 */
public final class BudgetTestApp {
  static final int MAX_CALLS = 4;
  private static final MediaType JSON = MediaType.get("application/json");

  private final String openAiBase;
  private final OpenAIClient openAi;
  private final AnthropicClient anthropic;
  private final OkHttpClient http = new OkHttpClient();
  private final BudgetClientCalls clients;

  private BudgetTestApp(String openAiBase, String anthropicBase) {
    this.clients = new BudgetClientCalls(anthropicBase);
    this.openAiBase = openAiBase;
    this.openAi =
        OpenAIOkHttpClient.builder().apiKey("sk-test").baseUrl(openAiBase).maxRetries(0).build();
    this.anthropic =
        AnthropicOkHttpClient.builder()
            .apiKey("sk-ant-test")
            .baseUrl(anthropicBase)
            .maxRetries(0)
            .build();
  }

  interface Call {
    String run() throws Exception;
  }

  public static void main(String[] args) throws Exception {
    BudgetTestApp app = new BudgetTestApp(args[0], args[1]);
    for (int i = 2; i < args.length; i++) {
      String s = args[i];
      if (s.startsWith("wait-file:")) {
        awaitFile(Path.of(s.substring("wait-file:".length())));
        continue;
      }
      String[] parts = s.split(":", 2); // scenario[:conversation]
      String scenario = parts[0];
      String conversation = parts.length > 1 ? parts[1] : "budget-" + scenario;
      app.run(scenario, conversation, app.call(scenario));
    }
    // The SDKs' HTTP and async threads (Google Gen AI, the AWS SDK) would keep the JVM up; the
    // agent flushes its spans at exit.
    System.exit(0);
  }

  /** Blocks until {@code file} exists (the test creates it), at most ten minutes. */
  private static void awaitFile(Path file) throws Exception {
    try (WatchService watch = file.getFileSystem().newWatchService()) {
      file.getParent().register(watch, StandardWatchEventKinds.ENTRY_CREATE);
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(10);
      while (!Files.exists(file)) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new IllegalStateException("no " + file + " after ten minutes");
        }
        WatchKey key = watch.poll(left, TimeUnit.NANOSECONDS);
        if (key != null) {
          key.pollEvents();
          key.reset();
        }
      }
    }
  }

  private Call call(String scenario) {
    switch (scenario) {
      case "cap":
      case "shared":
      case "reload":
      case "unreachable":
        return () ->
            openAi
                .responses()
                .create(
                    ResponseCreateParams.builder()
                        .model("o4-mini")
                        .input("What is the capital of France?")
                        .maxOutputTokens(100)
                        .putAdditionalHeader("X-Replay", "responses-json")
                        .putAdditionalHeader("X-Scenario", scenario)
                        .build())
                .id();
      case "calls":
        return () ->
            anthropic
                .messages()
                .create(
                    MessageCreateParams.builder()
                        .model("claude-sonnet-4-5")
                        .maxTokens(256)
                        .addUserMessage("What is the capital of France?")
                        .putAdditionalHeader("X-Scenario", scenario)
                        .build())
                .id();
      case "downgrade":
        return () ->
            openAi
                .chat()
                .completions()
                .create(
                    ChatCompletionCreateParams.builder()
                        .model("gpt-4o")
                        .maxCompletionTokens(200)
                        .addUserMessage("What is the capital of France?")
                        .putAdditionalHeader("X-Replay", "chat-json")
                        .putAdditionalHeader("X-Scenario", scenario)
                        .build())
                .model();
      case "stream":
        return () -> {
          try (StreamResponse<ChatCompletionChunk> stream =
              openAi
                  .chat()
                  .completions()
                  .createStreaming(
                      ChatCompletionCreateParams.builder()
                          .model("gpt-4o-mini")
                          .maxCompletionTokens(20)
                          .addUserMessage("What is the capital of France?")
                          .putAdditionalHeader("X-Replay", "chat-sse")
                          .putAdditionalHeader("X-Scenario", scenario)
                          .build())) {
            return String.valueOf(stream.stream().count());
          }
        };
      case "warn":
      case "lc4j":
        return () ->
            OpenAiChatModel.builder()
                .baseUrl(openAiBase)
                .apiKey("sk-test")
                .modelName("gpt-4o-mini")
                .maxRetries(0)
                .customHeaders(Map.of("X-Replay", "chat-json", "X-Scenario", scenario))
                .build()
                .chat("What is the capital of France?");
      case "http":
        return () -> {
          Request request =
              new Request.Builder()
                  .url(openAiBase + "/chat/completions")
                  .header("X-Replay", "chat-json")
                  .header("X-Scenario", scenario)
                  .post(
                      RequestBody.create(
                          "{\"model\":\"gpt-4o-mini\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\","
                              + "\"content\":\"What is the capital of France?\"}]}",
                          JSON))
                  .build();
          try (Response r = http.newCall(request).execute()) {
            return r.code() + " " + r.body().string().length();
          }
        };
      default:
        Call call = clients.call(scenario);
        if (call == null) {
          throw new IllegalArgumentException(scenario);
        }
        return call;
    }
  }

  private static String loader(Exception e) {
    return e.getClass().getClassLoader() == null
        ? "bootstrap"
        : e.getClass().getClassLoader().toString();
  }

  private void run(String scenario, String conversation, Call call) {
    Span span =
        GlobalOpenTelemetry.getTracer("budget-test-app")
            .spanBuilder("scenario " + scenario)
            .startSpan();
    Baggage baggage =
        Baggage.builder()
            .put("gen_ai.conversation.id", conversation)
            .put("costtrace.feature", scenario)
            .build();
    int sent = 0;
    String blocked = "none";
    String loader = "-";
    try (Scope s = span.makeCurrent();
        Scope b = baggage.makeCurrent()) {
      for (int i = 0; i < MAX_CALLS; i++) {
        try {
          call.run();
          sent++;
        } catch (ConversationBudgetExceededException e) {
          blocked = e.limitName() + "/" + e.conversationId();
          loader = loader(e);
          break;
        } catch (CompletionException e) {
          // An async call whose future failed with the budget's exception (AWS SDK async).
          if (!(e.getCause() instanceof ConversationBudgetExceededException)) {
            throw e;
          }
          ConversationBudgetExceededException cause =
              (ConversationBudgetExceededException) e.getCause();
          blocked = cause.limitName() + "/" + cause.conversationId() + " (in CompletionException)";
          loader = loader(cause);
          break;
        }
      }
    } catch (Exception e) {
      blocked = "error " + e;
    } finally {
      span.end();
    }
    BudgetRemaining r = ConversationBudgets.remaining(conversation);
    System.out.println(
        "RESULT "
            + scenario
            + " calls="
            + sent
            + " blocked="
            + blocked
            + " loader="
            + loader
            + " remaining="
            + r.usd()
            + "/"
            + r.llmCalls());
  }
}
