package dev.costtrace.agent.it;

import static dev.costtrace.agent.it.VendorReplayServer.fixture;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import java.io.IOException;
import java.io.OutputStream;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import software.amazon.awssdk.eventstream.HeaderValue;
import software.amazon.awssdk.eventstream.Message;

/**
 * Bedrock Runtime ({@code /model/{modelId}/converse}, {@code /converse-stream}, {@code /invoke}) as
 * recorded in {@code fixtures/bedrock/}: InvokeModel answers by the model's family (Anthropic, Meta
 * Llama, Mistral) with the recorded headers and body; ConverseStream frames the recorded events
 * with the SDK's own event-stream encoder; a model id containing {@code unknown} gets a {@code
 * ValidationException}, a request with {@code X-Replay: throttle-once} a {@code
 * ThrottlingException} on its first attempt (the SDK's {@code amz-sdk-request: attempt=1}).
 */
final class BedrockReplay {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String DIR = "fixtures/bedrock/";

  void handle(HttpExchange exchange) throws IOException {
    exchange.getRequestBody().readAllBytes();
    String path = exchange.getRequestURI().getRawPath();
    String[] parts = path.split("/"); // "", "model", id, operation
    String model = URLDecoder.decode(parts[2], StandardCharsets.UTF_8);
    String operation = parts[3];
    exchange.getResponseHeaders().add("x-amzn-RequestId", "5f1c6a0e-3d2b-4c49-9a7e-1b8d2c3e4f50");
    String attempt = exchange.getRequestHeaders().getFirst("amz-sdk-request");
    if (model.contains("unknown")) {
      error(exchange, 400, "ValidationException", "error-validation.json");
    } else if ("throttle-once".equals(exchange.getRequestHeaders().getFirst("X-Replay"))
        && attempt != null
        && attempt.contains("attempt=1;")) {
      error(exchange, 429, "ThrottlingException", "error-throttling.json");
    } else if (operation.equals("converse")) {
      VendorReplayServer.json(exchange, 200, fixture(DIR + "converse.json"));
    } else if (operation.equals("converse-stream")) {
      eventStream(exchange);
    } else if (model.startsWith("meta.")) {
      recorded(exchange, "invoke-llama.http.json");
    } else if (model.startsWith("mistral.")) {
      recorded(exchange, "invoke-mistral.http.json");
    } else {
      recorded(exchange, "invoke-anthropic.http.json");
    }
  }

  private static void error(HttpExchange exchange, int status, String type, String file)
      throws IOException {
    exchange
        .getResponseHeaders()
        .add("x-amzn-ErrorType", type + ":http://internal.amazon.com/coral/com.amazon.bedrock/");
    VendorReplayServer.json(exchange, status, fixture(DIR + file));
  }

  private static void recorded(HttpExchange exchange, String file) throws IOException {
    JsonNode recording = JSON.readTree(fixture(DIR + file));
    for (Map.Entry<String, JsonNode> e : recording.get("headers").properties()) {
      exchange.getResponseHeaders().add(e.getKey(), e.getValue().asText());
    }
    VendorReplayServer.json(exchange, 200, JSON.writeValueAsBytes(recording.get("body")));
  }

  private static void eventStream(HttpExchange exchange) throws IOException {
    exchange.getResponseHeaders().add("Content-Type", "application/vnd.amazon.eventstream");
    exchange.sendResponseHeaders(200, 0);
    try (OutputStream out = exchange.getResponseBody()) {
      for (JsonNode event : JSON.readTree(fixture(DIR + "converse-stream.events.json"))) {
        Map<String, HeaderValue> headers = new LinkedHashMap<>();
        headers.put(":event-type", HeaderValue.fromString(event.get("event").asText()));
        headers.put(":content-type", HeaderValue.fromString("application/json"));
        headers.put(":message-type", HeaderValue.fromString("event"));
        new Message(headers, JSON.writeValueAsBytes(event.get("payload"))).encode(out);
        out.flush();
      }
    }
  }
}
