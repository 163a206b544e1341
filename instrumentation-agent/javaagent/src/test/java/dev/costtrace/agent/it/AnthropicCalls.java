package dev.costtrace.agent.it;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.AsyncStreamResponse;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import io.opentelemetry.api.baggage.Baggage;
import io.opentelemetry.context.Scope;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The Anthropic SDK calls of the test app, each under its own conversation ID (baggage) so the test
 * can tell their spans apart. Every scenario returns what the app saw, as one line, so a run with
 * the agent can be compared with a run without it. A separate class: the no-SDK run never loads it.
 */
final class AnthropicCalls {
  private final AnthropicClient client;

  AnthropicCalls(String baseUrl) {
    this.client =
        AnthropicOkHttpClient.builder()
            .apiKey("sk-ant-test")
            .baseUrl(baseUrl)
            .maxRetries(2)
            .build();
  }

  private static MessageCreateParams params(String model) {
    return MessageCreateParams.builder()
        .model(model)
        .maxTokens(1024)
        .addUserMessage("What is the capital of France?")
        .build();
  }

  void runAll() {
    report("anthropic-sync", this::message);
    report(
        "anthropic-async",
        () -> describe(client.async().messages().create(params("claude-sonnet-4-5")).join()));
    report("anthropic-stream", this::stream);
    report("anthropic-async-stream", this::asyncStream);
    report("anthropic-retry", () -> describe(client.messages().create(params("claude-retry"))));
    report(
        "anthropic-error", () -> describe(client.messages().create(params("claude-bad-request"))));
    report(
        "anthropic-malformed",
        () -> describe(client.messages().create(params("claude-malformed"))));
  }

  /** One blocking message call, as the app sees its result. */
  String message() {
    return describe(client.messages().create(params("claude-sonnet-4-5")));
  }

  private static void report(String scenario, Supplier<String> call) {
    Baggage baggage =
        Baggage.current().toBuilder().put("gen_ai.conversation.id", "conv-" + scenario).build();
    String outcome;
    try (Scope ignored = baggage.makeCurrent()) {
      outcome = call.get();
    } catch (RuntimeException e) {
      Throwable cause =
          e.getCause() != null && e instanceof java.util.concurrent.CompletionException
              ? e.getCause()
              : e;
      outcome = "error " + cause.getClass().getName();
    }
    System.out.println("RESULT " + scenario + " " + outcome);
  }

  private static String describe(Message m) {
    String usage;
    try {
      usage = m.usage().inputTokens() + "/" + m.usage().outputTokens();
    } catch (RuntimeException e) {
      usage = "usage-error " + e.getClass().getName();
    }
    return m.id()
        + " "
        + m.model()
        + " "
        + m.stopReason().map(Object::toString).orElse("-")
        + " "
        + usage;
  }

  private String stream() {
    StringBuilder text = new StringBuilder();
    try (StreamResponse<RawMessageStreamEvent> events =
        client.messages().createStreaming(params("claude-sonnet-4-5"))) {
      events.stream().forEach(e -> append(text, e));
    }
    return text.toString();
  }

  private String asyncStream() {
    StringBuilder text = new StringBuilder();
    AsyncStreamResponse<RawMessageStreamEvent> events =
        client.async().messages().createStreaming(params("claude-sonnet-4-5"));
    CompletableFuture<Void> done = new CompletableFuture<>();
    events.subscribe(
        new AsyncStreamResponse.Handler<RawMessageStreamEvent>() {
          @Override
          public void onNext(RawMessageStreamEvent e) {
            synchronized (text) {
              append(text, e);
            }
          }

          @Override
          public void onComplete(Optional<Throwable> error) {
            done.complete(null);
          }
        });
    done.join();
    synchronized (text) {
      return text.toString();
    }
  }

  private static void append(StringBuilder text, RawMessageStreamEvent e) {
    e.contentBlockDelta().flatMap(d -> d.delta().text()).ifPresent(t -> text.append(t.text()));
  }
}
