package dev.costtrace.agent.it;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
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
 * <p>Arguments: {@code <mode> [baseUrl] [anthropicBaseUrl]}; mode {@code nosdk} touches no vendor
 * SDK (its class path has none), {@code anthropic} runs the Anthropic scenarios against {@code
 * baseUrl}, {@code startup} is {@link AgentStartupBenchmark}'s app.
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
    if (mode.equals("startup")) {
      startup(args[1], args[2]);
      System.exit(0);
    }
    String baseUrl = args[1];
    OpenAiCalls openAi = new OpenAiCalls(baseUrl);
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
    // 5. An inbound request that claims a tenant and a user through W3C baggage.
    System.out.println(
        "RESULT chat-inbound-baggage "
            + runServerRoundTrip(
                openAi::chat,
                "X-Conversation-Id",
                "conv-inbound-5",
                "baggage",
                "costtrace.tenant.id=globex,user.id=user-7"));
    // 6. The tenant from baggage the app sets itself, in this process: always trusted.
    System.out.println(
        "RESULT chat-app-tenant " + openAi.chatWithTenantBaggage("conv-app-6", "initech"));
    System.exit(0);
  }

  /**
   * Startup mode: a line as soon as main runs, then one OpenAI SDK chat call and one Anthropic SDK
   * message call, a line after each, so the parent can time JVM start to main and to the first
   * completed call of each SDK; each line carries the process CPU time used so far.
   */
  private static void startup(String openAiBaseUrl, String anthropicBaseUrl) {
    System.out.println("STARTUP main cpu_ms=" + cpuMillis());
    String openAi = new OpenAiCalls(openAiBaseUrl).chat();
    System.out.println("STARTUP openai cpu_ms=" + cpuMillis() + " " + openAi);
    String anthropic = new AnthropicCalls(anthropicBaseUrl).message();
    System.out.println("STARTUP anthropic cpu_ms=" + cpuMillis() + " " + anthropic);
  }

  /**
   * CPU time this JVM has used so far, all threads (agent, JIT, GC included): unlike wall time,
   * barely moved by other processes competing for the cores.
   */
  private static long cpuMillis() {
    return ((com.sun.management.OperatingSystemMXBean)
                java.lang.management.ManagementFactory.getOperatingSystemMXBean())
            .getProcessCpuTime()
        / 1_000_000;
  }

  /**
   * A started loopback server (ephemeral port) answering {@code /ask} with what {@code handler}
   * returns, which runs inside the request the agent's server instrumentation traces.
   */
  static HttpServer askServer(Callable<String> handler) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/ask",
        exchange -> {
          String answer;
          try {
            answer = handler.call();
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
    return server;
  }

  /** Serves one request carrying attribution headers; the handler makes the LLM call. */
  static String runServerRoundTrip(Callable<String> llmCall) throws Exception {
    return runServerRoundTrip(
        llmCall,
        "X-Conversation-Id",
        "conv-header-1",
        "X-Tenant-Id",
        "acme",
        "X-User-Id",
        "user-42",
        "X-Feature",
        "support-bot");
  }

  /** Serves one request carrying the given headers (name, value, ...). */
  static String runServerRoundTrip(Callable<String> llmCall, String... headers) throws Exception {
    HttpServer server = askServer(llmCall);
    try {
      HttpClient client = HttpClient.newHttpClient();
      HttpRequest request =
          HttpRequest.newBuilder(
                  URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/ask"))
              .headers(headers)
              .build();
      return client.send(request, HttpResponse.BodyHandlers.ofString()).body();
    } finally {
      server.stop(0);
    }
  }
}
