package dev.costtrace.agent.springai.app;

import io.micrometer.observation.ObservationRegistry;
import io.micrometer.tracing.handler.DefaultTracingObservationHandler;
import io.micrometer.tracing.otel.bridge.OtelBaggageManager;
import io.micrometer.tracing.otel.bridge.OtelCurrentTraceContext;
import io.micrometer.tracing.otel.bridge.OtelTracer;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.context.Scope;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.client.advisor.MessageChatMemoryAdvisor;
import org.springframework.ai.chat.memory.ChatMemory;
import org.springframework.ai.chat.memory.MessageWindowChatMemory;
import org.springframework.ai.chat.metadata.Usage;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.tool.annotation.Tool;

/**
 * The application for SpringAiIT, run in its own JVM with (or without) the agent, on one Spring AI
 * release (the module that compiles it says which; {@link OpenAiModels} is the one part that
 * differs): Spring AI's OpenAI chat model called directly (blocking, streaming), through a
 * ChatClient with a chat memory and its conversation ID, with a {@code @Tool} (answered, and
 * failing), retried after a 503, failing with a 404, and with Micrometer Tracing wired to
 * OpenTelemetry as Spring Boot apps have it. Each scenario runs under an app span {@code scenario
 * <name>} and prints what the app saw, so the run with the agent can be compared with the one
 * without, line for line.
 *
 * <p>Argument: the replay server's base URL ({@code http://127.0.0.1:<port>/v1}).
 */
public final class SpringAiTestApp {
  private SpringAiTestApp() {}

  /** The app's one tool; it fails for a city it does not know, as app code does. */
  public static final class WeatherTools {
    final AtomicInteger calls = new AtomicInteger();

    @Tool(name = "get_weather", description = "The current weather in a city")
    public String weather(String city) {
      calls.incrementAndGet();
      if (city.equals("Atlantis")) {
        throw new IllegalArgumentException("unknown city: " + city);
      }
      return "18°C, sunny";
    }
  }

  public static void main(String[] args) throws Exception {
    String base = args[0];
    if (args.length > 1 && args[1].equals("budget")) {
      budget(base);
      return;
    }
    ObservationRegistry none = ObservationRegistry.NOOP;
    // Control: the JDK HttpClient capture is on for this host, so its absence under Spring AI spans
    // is the one-span rule at work, not a capture that never fires.
    scenario("jdk-direct", () -> jdkPost(base));
    scenario(
        "call",
        () ->
            describe(
                OpenAiModels.openAi(base, "o4-mini", "lc4j-chat-reasoning", none)
                    .call(new Prompt("What is 17 * 23?"))));
    scenario(
        "stream",
        () ->
            OpenAiModels.openAi(base, "gpt-4o-mini", "chat-sse", none)
                .stream(new Prompt("What is the capital of France?"))
                .map(SpringAiTestApp::text)
                .collect(Collectors.joining())
                .block());
    scenario("memory", () -> memory(base, "conv-spring-memory"));
    scenario(
        "memory-baggage",
        () -> {
          try (Scope ignored =
              Baggage.current().toBuilder()
                  .put("gen_ai.conversation.id", "conv-spring-baggage")
                  .build()
                  .makeCurrent()) {
            return memory(base, "conv-spring-memory-2");
          }
        });
    scenario(
        "stream-client",
        () ->
            ChatClient.builder(OpenAiModels.openAi(base, "gpt-4o-mini", "chat-sse", none))
                .build()
                .prompt()
                .user("What is the capital of France?")
                .advisors(a -> a.param(ChatMemory.CONVERSATION_ID, "conv-spring-stream"))
                .stream()
                .content()
                .collect(Collectors.joining())
                .block());
    scenario("tools", () -> tools(base, "lc4j-tool-round-trip", "conv-spring-tools"));
    scenario("tool-error", () -> tools(base, "lc4j-tool-error", "conv-spring-tool-error"));
    scenario(
        "retry",
        () ->
            describe(
                OpenAiModels.openAi(base, "gpt-4o-mini", "retry-503", none)
                    .call(new Prompt("What is the capital of France?"))));
    scenario(
        "error",
        () -> {
          try {
            return describe(
                OpenAiModels.openAi(base, "gpt-9-nonexistent", "model-not-found", none)
                    .call(new Prompt("Hello")));
          } catch (RuntimeException e) {
            return "error " + e.getClass().getName();
          }
        });
    scenario("micrometer", () -> micrometer(base));
  }

  /**
   * The budget scenarios (run with a rules file scoped by feature): each calls the model until the
   * budget stops it, at most {@link #BUDGET_CALLS} times, in a conversation of its own whose feature
   * is the scenario's name, and prints {@code calls=<made> blocked=<the exception's message>}. The
   * prompt names the scenario, so the replay server's log tells its requests apart.
   */
  private static void budget(String base) {
    ObservationRegistry none = ObservationRegistry.NOOP;
    for (String name : List.of("spring-limit", "spring-downgrade", "spring-warn")) {
      budgetScenario(
          name,
          () ->
              describe(
                  OpenAiModels.openAi(base, "gpt-4o-mini", "chat-json", none)
                      .call(new Prompt(budgetPrompt(name)))));
    }
    budgetScenario(
        "spring-stream",
        () ->
            OpenAiModels.openAi(base, "gpt-4o-mini", "chat-sse", none)
                .stream(new Prompt(budgetPrompt("spring-stream")))
                .map(SpringAiTestApp::text)
                .collect(Collectors.joining())
                .block());
  }

  static final int BUDGET_CALLS = 4;

  static String budgetPrompt(String scenario) {
    return "What is the capital of France? (" + scenario + ")";
  }

  private static void budgetScenario(String name, Callable<String> call) {
    Baggage baggage =
        Baggage.builder()
            .put("gen_ai.conversation.id", "budget-" + name)
            .put("costtrace.feature", name)
            .build();
    try (Scope ignored = baggage.makeCurrent()) {
      scenario(
          name,
          () -> {
            int made = 0;
            for (int i = 0; i < BUDGET_CALLS; i++) {
              try {
                call.call();
                made++;
              } catch (RuntimeException e) {
                Throwable blocked = e;
                while (blocked != null
                    && !blocked
                        .getClass()
                        .getSimpleName()
                        .equals("ConversationBudgetExceededException")) {
                  blocked = blocked.getCause();
                }
                if (blocked == null) {
                  throw e;
                }
                return "calls="
                    + made
                    + " blocked="
                    + blocked.getMessage()
                    + (blocked == e ? "" : " (in " + e.getClass().getName() + ")");
              }
            }
            return "calls=" + made + " blocked=none";
          });
    }
  }

  private static String memory(String base, String conversation) {
    ChatMemory memory = MessageWindowChatMemory.builder().build();
    ChatClient client =
        ChatClient.builder(
                OpenAiModels.openAi(base, "gpt-4o-mini", "chat-json", ObservationRegistry.NOOP))
            .defaultAdvisors(MessageChatMemoryAdvisor.builder(memory).build())
            .build();
    String answer =
        client
            .prompt()
            .user("What is the capital of France?")
            .advisors(a -> a.param(ChatMemory.CONVERSATION_ID, conversation))
            .call()
            .content();
    return answer + " (memory " + memory.get(conversation).size() + " messages)";
  }

  private static String tools(String base, String replay, String conversation) {
    WeatherTools tools = new WeatherTools();
    String answer =
        ChatClient.builder(
                OpenAiModels.openAi(base, "gpt-4o-mini", replay, ObservationRegistry.NOOP))
            .build()
            .prompt()
            .user("What is the weather in the city?")
            .tools(tools)
            .advisors(a -> a.param(ChatMemory.CONVERSATION_ID, conversation))
            .call()
            .content();
    return answer + " (tool calls " + tools.calls.get() + ")";
  }

  /** Micrometer Tracing bridged to the OpenTelemetry API, as Spring Boot's auto-configuration does. */
  private static String micrometer(String base) {
    OtelCurrentTraceContext current = new OtelCurrentTraceContext();
    OtelTracer tracer =
        new OtelTracer(
            GlobalOpenTelemetry.getTracer("micrometer-tracing"),
            current,
            event -> {},
            new OtelBaggageManager(current, List.of(), List.of()));
    ObservationRegistry registry = ObservationRegistry.create();
    registry.observationConfig().observationHandler(new DefaultTracingObservationHandler(tracer));
    return ChatClient.create(OpenAiModels.openAi(base, "gpt-4o-mini", "chat-json", registry), registry)
        .prompt()
        .user("What is the capital of France?")
        .advisors(a -> a.param(ChatMemory.CONVERSATION_ID, "conv-spring-micrometer"))
        .call()
        .content();
  }

  private static String jdkPost(String base) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create(base + "/chat/completions"))
            .header("Content-Type", "application/json")
            .header("X-Replay", "chat-json")
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"))
            .build();
    HttpResponse<String> response =
        HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());
    return response.statusCode() + " " + response.body().length();
  }

  private static String describe(ChatResponse response) {
    Usage usage = response.getMetadata().getUsage();
    return text(response)
        + " | "
        + response.getMetadata().getModel()
        + " "
        + usage.getPromptTokens()
        + "/"
        + usage.getCompletionTokens();
  }

  private static String text(ChatResponse response) {
    if (response.getResult() == null || response.getResult().getOutput() == null) {
      return "";
    }
    String text = response.getResult().getOutput().getText();
    return text == null ? "" : text;
  }

  static void scenario(String name, Callable<String> body) {
    Span span = GlobalOpenTelemetry.getTracer("test-app").spanBuilder("scenario " + name).startSpan();
    String outcome;
    try (Scope ignored = span.makeCurrent()) {
      outcome = body.call();
    } catch (Exception e) {
      outcome = "exception " + e;
    } finally {
      span.end();
    }
    System.out.println("RESULT " + name + " " + outcome);
  }
}
