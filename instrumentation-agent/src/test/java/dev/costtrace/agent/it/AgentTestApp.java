package dev.costtrace.agent.it;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Callable;

/**
 * The application the agent is attached to, run in its own JVM. It reports each scenario's outcome
 * as a {@code RESULT <scenario> <outcome>} line on stdout so the test can compare what the app saw.
 *
 * <p>Arguments: {@code <mode> [baseUrl] [calls]}; mode {@code nosdk} touches no vendor SDK (its class
 * path has none), {@code anthropic} runs the Anthropic scenarios against {@code baseUrl}.
 */
public final class AgentTestApp {
  private AgentTestApp() {}

  public static void main(String[] args) throws Exception {
    String mode = args[0];
    if (mode.equals("nosdk")) {
      runServerRoundTrip(() -> "served");
      System.out.println("RESULT nosdk ok");
      System.exit(0);
    }
    if (mode.equals("anthropic")) {
      new AnthropicCalls(args[1]).runAll();
      System.exit(0);
    }
    String baseUrl = args[1];
    OpenAiCalls openAi = new OpenAiCalls(baseUrl);
    if (mode.equals("bench")) {
      bench(openAi, Integer.parseInt(args[2]));
      System.exit(0);
    }
    // 1. Conversation ID from an inbound header on a request this app serves.
    System.out.println("RESULT chat-header " + runServerRoundTrip(openAi::chat));
    // 2. Conversation ID from baggage the app sets itself.
    System.out.println("RESULT chat-baggage " + openAi.chatWithBaggage("conv-baggage-7"));
    // 3. Conversation ID from the request's metadata, and the service tier.
    System.out.println("RESULT chat-metadata " + openAi.chatWithMetadata("conv-metadata-3"));
    // 4. Baggage wins over metadata.
    System.out.println(
        "RESULT chat-baggage-over-metadata "
            + openAi.chatWithBaggageAndMetadata("conv-baggage-9", "conv-metadata-ignored"));
    System.exit(0);
  }

  /**
   * Benchmark mode: JVM start to main (ms), then per-call latency of {@code calls} chat calls after
   * a warm-up, as {@code BENCH startup_ms=.. p50_us=.. p99_us=..}.
   */
  private static void bench(OpenAiCalls openAi, int calls) {
    long startupMs =
        System.currentTimeMillis()
            - java.lang.management.ManagementFactory.getRuntimeMXBean().getStartTime();
    for (int i = 0; i < calls / 2; i++) {
      openAi.chatWithBaggage("bench-warmup");
    }
    long[] nanos = new long[calls];
    for (int i = 0; i < calls; i++) {
      long t0 = System.nanoTime();
      openAi.chatWithBaggage("bench");
      nanos[i] = System.nanoTime() - t0;
    }
    java.util.Arrays.sort(nanos);
    System.out.println(
        "BENCH startup_ms="
            + startupMs
            + " p50_us="
            + nanos[calls / 2] / 1000.0
            + " p99_us="
            + nanos[(int) (calls * 0.99)] / 1000.0);
  }

  /** Serves one request carrying attribution headers; the handler makes the LLM call. */
  static String runServerRoundTrip(Callable<String> llmCall) throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/ask",
        exchange -> {
          String answer;
          try {
            answer = llmCall.call();
          } catch (Exception e) {
            answer = "error " + e.getClass().getSimpleName();
          }
          byte[] body = answer.getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    try {
      HttpClient client = HttpClient.newHttpClient();
      HttpRequest request =
          HttpRequest.newBuilder(
                  URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/ask"))
              .header("X-Conversation-Id", "conv-header-1")
              .header("X-Tenant-Id", "acme")
              .header("X-User-Id", "user-42")
              .header("X-Feature", "support-bot")
              .build();
      return client.send(request, HttpResponse.BodyHandlers.ofString()).body();
    } finally {
      server.stop(0);
    }
  }
}
