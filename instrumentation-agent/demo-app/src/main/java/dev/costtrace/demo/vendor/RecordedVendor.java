package dev.costtrace.demo.vendor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;

/**
 * Serves the recorded responses of this package: {@code POST /v1/chat/completions}, {@code POST
 * /v1/responses}, {@code POST /v1/messages} (Anthropic, streamed as recorded: one SSE event per
 * flush) and {@code GET /health}. Anything else is a 404 with an OpenAI-style error body; a request
 * body that is not JSON a 400.
 */
public final class RecordedVendor implements AutoCloseable {
  public static final int DEFAULT_PORT = 8080;

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] NOT_FOUND =
      "{\"error\":{\"message\":\"Unknown path\",\"type\":\"invalid_request_error\",\"code\":null}}"
          .getBytes(StandardCharsets.UTF_8);
  private static final byte[] BAD_REQUEST =
      "{\"error\":{\"message\":\"The body is not valid JSON\",\"type\":\"invalid_request_error\"}}"
          .getBytes(StandardCharsets.UTF_8);

  private final HttpServer server;

  private RecordedVendor(HttpServer server) {
    this.server = server;
  }

  /** Starts on {@code host:port} (port 0: any free one). */
  public static RecordedVendor start(String host, int port) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress(host, port), 0);
    RecordedVendor vendor = new RecordedVendor(server);
    server.createContext("/", vendor::handle);
    server.setExecutor(Executors.newFixedThreadPool(4));
    server.start();
    return vendor;
  }

  public int port() {
    return server.getAddress().getPort();
  }

  /** {@code [--port N]}: serves until the process is stopped. */
  public static void main(String[] args) throws IOException {
    int port = DEFAULT_PORT;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--port") && i + 1 < args.length) {
        port = Integer.parseInt(args[++i]);
      } else {
        throw new IllegalArgumentException("usage: vendor [--port N], not: " + args[i]);
      }
    }
    RecordedVendor vendor = start("0.0.0.0", port);
    System.out.println("recorded vendor on :" + vendor.port());
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String path = exchange.getRequestURI().getPath();
      if (exchange.getRequestMethod().equals("GET") && path.equals("/health")) {
        send(exchange, 200, "text/plain", "ok".getBytes(StandardCharsets.UTF_8));
        return;
      }
      JsonNode request;
      try {
        request = JSON.readTree(exchange.getRequestBody());
      } catch (IOException e) {
        send(exchange, 400, "application/json", BAD_REQUEST);
        return;
      }
      if (path.equals("/v1/chat/completions")) {
        send(exchange, 200, "application/json", recording("chat-completion.json"));
      } else if (path.equals("/v1/responses")) {
        send(exchange, 200, "application/json", recording("response.json"));
      } else if (path.equals("/v1/messages")
          && request != null
          && request.path("stream").asBoolean()) {
        stream(exchange, recording("messages-stream.sse"));
      } else {
        send(exchange, 404, "application/json", NOT_FOUND);
      }
    }
  }

  static byte[] recording(String name) {
    try (InputStream in = RecordedVendor.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("no recording " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void send(HttpExchange exchange, int status, String type, byte[] body)
      throws IOException {
    exchange.getResponseHeaders().add("Content-Type", type);
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  private static void stream(HttpExchange exchange, byte[] sse) throws IOException {
    exchange.getResponseHeaders().add("Content-Type", "text/event-stream; charset=utf-8");
    exchange.sendResponseHeaders(200, 0);
    try (OutputStream out = exchange.getResponseBody()) {
      for (String event : new String(sse, StandardCharsets.UTF_8).split("(?<=\n\n)")) {
        out.write(event.getBytes(StandardCharsets.UTF_8));
        out.flush();
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
  }
}
