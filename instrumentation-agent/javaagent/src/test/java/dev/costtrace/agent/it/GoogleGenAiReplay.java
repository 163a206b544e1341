package dev.costtrace.agent.it;

import static dev.costtrace.agent.it.VendorReplayServer.fixture;

import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The Gemini API ({@code /v1[beta]/models/{model}:generateContent}) and Vertex AI ({@code
 * /v1beta1/projects/.../publishers/google/models/{model}:generateContent}) as recorded in {@code
 * fixtures/google-genai/}: {@code :streamGenerateContent} gets the SSE stream; model {@code
 * gemini-retry} a 429 on every other request (a run's first attempt, then its retry), {@code
 * gemini-0.9-nonexistent} a 404; Vertex paths the Vertex recording.
 */
final class GoogleGenAiReplay {
  private final AtomicInteger retryCalls = new AtomicInteger();

  static boolean matches(String path) {
    return path.endsWith(":generateContent") || path.endsWith(":streamGenerateContent");
  }

  void handle(HttpExchange exchange) throws IOException {
    exchange.getRequestBody().readAllBytes();
    String path = exchange.getRequestURI().getPath();
    String dir = "fixtures/google-genai/";
    if (path.endsWith(":streamGenerateContent")) {
      VendorReplayServer.sse(exchange, dir + "stream-generate-content.sse");
    } else if (path.contains("/models/gemini-retry:") && retryCalls.getAndIncrement() % 2 == 0) {
      VendorReplayServer.json(exchange, 429, fixture(dir + "error-429.json"));
    } else if (path.contains("/models/gemini-0.9-nonexistent:")) {
      VendorReplayServer.json(exchange, 404, fixture(dir + "error-404.json"));
    } else if (path.contains("/projects/")) {
      VendorReplayServer.json(exchange, 200, fixture(dir + "generate-content-vertex.json"));
    } else {
      VendorReplayServer.json(exchange, 200, fixture(dir + "generate-content.json"));
    }
  }
}
