package dev.costtrace.agent.it;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The stand-in for the LLM vendor's HTTP API: a loopback server (ephemeral port) replaying recorded
 * responses. The {@code X-Replay} request header picks the recording (vendor SDK calls send it as a
 * per-request header); without it, it answers with the chat completion. SSE recordings are sent
 * chunked, one event per flush, as the vendors stream them. Anthropic's {@code /v1/messages} is
 * replayed by {@link #anthropic}.
 */
final class VendorReplayServer implements AutoCloseable {
  /** A 200 JSON body cut off mid-value, as a broken proxy would deliver it. */
  static final byte[] MALFORMED =
      "{\"id\":\"chatcmpl-broken\",\"object\":\"chat.completion\",\"usage\":{\"prompt_tokens\":12"
          .getBytes(StandardCharsets.UTF_8);

  private static final java.util.regex.Pattern STREAM_REQUESTED =
      java.util.regex.Pattern.compile("\"stream\"\\s*:\\s*true");

  private final HttpServer server;
  private final Map<String, AtomicInteger> calls = new ConcurrentHashMap<>();
  private final java.util.List<Received> received =
      new java.util.concurrent.CopyOnWriteArrayList<>();
  private final List<String> traceparents = new CopyOnWriteArrayList<>();

  /** One request as the vendor saw it: its {@code X-Scenario} header (or null) and body. */
  record Received(String scenario, String path, String body) {}

  private final GoogleGenAiReplay google = new GoogleGenAiReplay();
  private final java.util.concurrent.ExecutorService executor =
      java.util.concurrent.Executors.newCachedThreadPool();

  /** Released at close: stalled streams end then. */
  private final java.util.concurrent.CountDownLatch closed =
      new java.util.concurrent.CountDownLatch(1);

  VendorReplayServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/v1", this::handle); // also the Gemini API and Vertex AI
    BedrockReplay bedrock = new BedrockReplay();
    server.createContext( // Bedrock Runtime
        "/model/",
        exchange -> {
          record(
              exchange,
              new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          bedrock.handle(exchange);
        });
    server.createContext("/openai/deployments/", this::azure); // Azure OpenAI
    // A thread per exchange: a stalled stream must not hold up the other requests.
    server.setExecutor(executor);
    server.start();
  }

  /** Every request received, in order (the budget ITs count what reached the vendor). */
  java.util.List<Received> received() {
    return received;
  }

  /** The requests of one scenario (by its {@code X-Scenario} header). */
  java.util.List<Received> received(String scenario) {
    return received.stream()
        .filter(r -> scenario.equals(r.scenario()))
        .collect(java.util.stream.Collectors.toList());
  }

  String baseUrl(String host) {
    return "http://" + host + ":" + server.getAddress().getPort() + "/v1";
  }

  int port() {
    return server.getAddress().getPort();
  }

  /** The server's root URL, for SDKs that append their API paths themselves. */
  String rootUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** The base URL the Anthropic SDK takes (it appends {@code /v1/messages} itself). */
  String anthropicBaseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  static byte[] fixture(String name) {
    try (InputStream in = VendorReplayServer.class.getClassLoader().getResourceAsStream(name)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The W3C {@code traceparent} of every request received (those that carried one), in order: what
   * a traced vendor-side service would have been told about the trace's sampling.
   */
  List<String> traceparents() {
    return List.copyOf(traceparents);
  }

  private void record(HttpExchange exchange, String body) {
    received.add(
        new Received(
            exchange.getRequestHeaders().getFirst("X-Scenario"),
            exchange.getRequestURI().getPath(),
            body));
  }

  private void handle(HttpExchange exchange) throws IOException {
    String traceparent = exchange.getRequestHeaders().getFirst("traceparent");
    if (traceparent != null) {
      traceparents.add(traceparent);
    }
    byte[] raw = exchange.getRequestBody().readAllBytes();
    String body = new String(raw, StandardCharsets.UTF_8);
    record(exchange, body);
    if (GoogleGenAiReplay.matches(exchange.getRequestURI().getPath())) {
      google.handle(exchange);
      return;
    }
    if (exchange.getRequestURI().getPath().endsWith("/messages")) {
      anthropic(exchange, body);
      return;
    }
    String replay = exchange.getRequestHeaders().getFirst("X-Replay");
    replay = replay == null ? "chat-json" : replay;
    int call = calls.computeIfAbsent(replay, k -> new AtomicInteger()).getAndIncrement();
    switch (replay) {
      case "chat-sse":
        sse(exchange, "fixtures/openai-compatible/chat-completion-stream.sse");
        break;
      case "responses-sse":
        sse(exchange, "fixtures/openai-compatible/responses-stream.sse");
        break;
      case "stall":
        // The headers of a stream, then nothing until the server closes: a model that hangs.
        exchange.getResponseHeaders().add("Content-Type", "text/event-stream; charset=utf-8");
        exchange.sendResponseHeaders(200, 0);
        try {
          closed.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        exchange.close();
        break;
      case "embeddings":
        json(exchange, 200, fixture("fixtures/openai-compatible/embeddings.json"));
        break;
      case "rate-limited-once":
      case "rate-limited-once-jdk":
        if (call == 0) {
          exchange.getResponseHeaders().add("Retry-After", "1");
          exchange.getResponseHeaders().add("x-ratelimit-remaining-tokens", "188");
          json(exchange, 429, fixture("fixtures/openai-compatible/error-429.json"));
        } else {
          json(exchange, 200, fixture("fixtures/openai/chat-completion.json"));
        }
        break;
      case "responses-json":
        json(exchange, 200, fixture("fixtures/openai-compatible/responses.json"));
        break;
      case "responses-sse-reasoning":
        sse(exchange, "fixtures/openai/responses-stream-reasoning.sse");
        break;
      case "responses-malformed":
        json(exchange, 200, fixture("fixtures/openai/response-malformed.json"));
        break;
      case "responses-retry":
        // An SDK's first attempt is rate limited, its retry answered (per attempt, not per server
        // lifetime, so every run of an app sees the same).
        if ("0".equals(exchange.getRequestHeaders().getFirst("X-Stainless-Retry-Count"))) {
          exchange.getResponseHeaders().add("retry-after-ms", "10");
          json(exchange, 429, fixture("fixtures/openai-compatible/error-429.json"));
        } else {
          json(exchange, 200, fixture("fixtures/openai-compatible/responses.json"));
        }
        break;
      case "retry-503":
        // Every other attempt: each run of an app sees a 503, then its retry succeeds.
        if (call % 2 == 0) {
          exchange.getResponseHeaders().add("retry-after-ms", "10");
          json(exchange, 503, fixture("fixtures/spring-ai/error-503.json"));
        } else {
          json(exchange, 200, fixture("fixtures/openai/chat-completion.json"));
        }
        break;
      case "model-not-found":
        json(exchange, 404, fixture("fixtures/openai-compatible/error-model-not-found.json"));
        break;
      case "malformed":
        json(exchange, 200, MALFORMED);
        break;
      case "lc4j-chat-reasoning":
        json(exchange, 200, fixture("fixtures/langchain4j/openai-chat-reasoning.json"));
        break;
      case "lc4j-rate-limited":
        // Every other attempt: each run of the app sees a 429, then the retry succeeds.
        if (call % 2 == 0) {
          exchange.getResponseHeaders().add("Retry-After", "1");
          json(exchange, 429, fixture("fixtures/openai-compatible/error-429.json"));
        } else {
          json(exchange, 200, fixture("fixtures/openai/chat-completion.json"));
        }
        break;
      case "lc4j-tool-round-trip":
      case "lc4j-tool-error":
        // The model asks for the tool, then answers once the tool result is in the conversation.
        String first =
            replay.equals("lc4j-tool-error")
                ? "fixtures/langchain4j/openai-tool-call-failing.json"
                : "fixtures/langchain4j/openai-tool-call.json";
        json(
            exchange,
            200,
            fixture(
                body.contains("tool_call_id")
                    ? "fixtures/langchain4j/openai-tool-final.json"
                    : first));
        break;
      case "lc4j-stream-tool":
        sse(
            exchange,
            body.contains("tool_call_id")
                ? "fixtures/openai-compatible/chat-completion-stream.sse"
                : "fixtures/langchain4j/openai-tool-call-stream.sse");
        break;
      default:
        json(exchange, 200, fixture("fixtures/openai/chat-completion.json"));
    }
  }

  /**
   * Anthropic responses, chosen by the request's model: {@code claude-retry} answers 429 (with
   * {@code retry-after-ms}) to a first attempt and the message to the SDK's retry (by the SDK's
   * {@code x-stainless-retry-count}, so every run is the same), {@code claude-bad-request} a 400,
   * {@code claude-malformed} a message with mistyped usage; a streamed request gets the SSE stream.
   */
  private static void anthropic(HttpExchange exchange, String body) throws IOException {
    String attempt = exchange.getRequestHeaders().getFirst("x-stainless-retry-count");
    exchange.getResponseHeaders().add("request-id", "req_011CUaReplay");
    if (STREAM_REQUESTED.matcher(body).find()) {
      sse(exchange, "fixtures/anthropic/messages-stream.sse");
    } else if (body.contains("claude-retry") && "0".equals(attempt)) {
      exchange.getResponseHeaders().add("retry-after-ms", "20");
      json(exchange, 429, fixture("fixtures/anthropic/error-rate-limit.json"));
    } else if (body.contains("claude-bad-request")) {
      json(exchange, 400, fixture("fixtures/anthropic/error-invalid-request.json"));
    } else if (body.contains("claude-malformed")) {
      json(exchange, 200, fixture("fixtures/anthropic/message-malformed.json"));
    } else {
      json(exchange, 200, fixture("fixtures/anthropic/message-cache-1h.json"));
    }
  }

  /**
   * Azure OpenAI chat completions, {@code /openai/deployments/{deployment}/chat/completions}, by
   * deployment: {@code chat-retry} answers every other attempt with a 429 (so each run of an app
   * sees a 429, then its retry succeed), {@code chat-missing} a 404; any other deployment the
   * completion, streamed when the request asks for a stream.
   */
  private void azure(HttpExchange exchange) throws IOException {
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    record(exchange, body);
    String path = exchange.getRequestURI().getPath();
    String deployment = path.substring("/openai/deployments/".length()).split("/")[0];
    int call =
        calls.computeIfAbsent("azure " + deployment, k -> new AtomicInteger()).getAndIncrement();
    exchange.getResponseHeaders().add("apim-request-id", "7c9e2f4a-3b1d-4e8f-9a6c-1d2e3f4a5b6c");
    if (deployment.equals("chat-missing")) {
      json(exchange, 404, fixture("fixtures/azure/error-deployment-not-found.json"));
    } else if (deployment.equals("chat-retry") && call % 2 == 0) {
      exchange.getResponseHeaders().add("retry-after-ms", "10");
      json(exchange, 429, fixture("fixtures/azure/error-429.json"));
    } else if (STREAM_REQUESTED.matcher(body).find()) {
      sse(exchange, "fixtures/azure/chat-completions-stream.sse");
    } else {
      json(exchange, 200, fixture("fixtures/azure/chat-completions.json"));
    }
  }

  static void json(HttpExchange exchange, int status, byte[] body) throws IOException {
    exchange.getResponseHeaders().add("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  static void sse(HttpExchange exchange, String fixture) throws IOException {
    String text = new String(fixture(fixture), StandardCharsets.UTF_8);
    exchange.getResponseHeaders().add("Content-Type", "text/event-stream; charset=utf-8");
    exchange.sendResponseHeaders(200, 0);
    try (OutputStream out = exchange.getResponseBody()) {
      for (String event : text.split("(?<=\n\n)")) {
        out.write(event.getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
    }
  }

  @Override
  public void close() {
    closed.countDown();
    server.stop(0);
    executor.shutdownNow();
  }
}
