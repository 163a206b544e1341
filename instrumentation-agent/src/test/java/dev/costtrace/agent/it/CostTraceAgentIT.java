package dev.costtrace.agent.it;

import static dev.costtrace.agent.it.OtlpTestBackend.attribute;
import static dev.costtrace.agent.it.OtlpTestBackend.integer;
import static dev.costtrace.agent.it.OtlpTestBackend.string;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Runs {@link AgentTestApp} in a separate JVM with the built {@code costtrace-javaagent.jar}, the
 * real OpenAI SDK talking to a loopback server that replays recorded responses, and the agent
 * exporting OTLP http/protobuf to an endpoint in this JVM that decodes with opentelemetry-proto.
 */
class CostTraceAgentIT {
  private static HttpServer vendor;
  private static HttpServer otlp;
  private static final List<Span> spans = new CopyOnWriteArrayList<>();
  /** The instrumentation scope of each span in {@link #spans}, same index. */
  private static final List<String> scopes = new ArrayList<>();

  @BeforeAll
  static void startServers() throws IOException {
    byte[] chat = fixture("fixtures/openai/chat-completion.json");
    vendor = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    vendor.createContext(
        "/v1/chat/completions",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          exchange.sendResponseHeaders(200, chat.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(chat);
          }
        });
    vendor.createContext("/v1/messages", CostTraceAgentIT::anthropic);
    vendor.start();
    otlp = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    otlp.createContext(
        "/v1/traces",
        exchange -> {
          byte[] body = exchange.getRequestBody().readAllBytes();
          int status = 200;
          try {
            ExportTraceServiceRequest request = ExportTraceServiceRequest.parseFrom(body);
            for (ResourceSpans rs : request.getResourceSpansList()) {
              for (ScopeSpans ss : rs.getScopeSpansList()) {
                synchronized (scopes) {
                  for (Span span : ss.getSpansList()) {
                    scopes.add(ss.getScope().getName());
                    spans.add(span);
                  }
                }
              }
            }
          } catch (InvalidProtocolBufferException e) {
            status = 400;
          }
          exchange.getResponseHeaders().add("Content-Type", "application/x-protobuf");
          exchange.sendResponseHeaders(status, 0);
          exchange.close();
        });
    otlp.start();
  }

  private static void clearSpans() {
    synchronized (scopes) {
      spans.clear();
      scopes.clear();
    }
  }

  @AfterAll
  static void stopServers() {
    vendor.stop(0);
    otlp.stop(0);
  }

  /**
   * Replays Anthropic responses, chosen by the request's model: {@code claude-retry} answers 429
   * (with {@code retry-after-ms}) to a first attempt and the message to the SDK's retry, {@code
   * claude-bad-request} a 400, {@code claude-malformed} a message with mistyped usage; a streamed
   * request gets the SSE event stream.
   */
  private static void anthropic(com.sun.net.httpserver.HttpExchange exchange) throws IOException {
    String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
    String attempt = exchange.getRequestHeaders().getFirst("x-stainless-retry-count");
    int status = 200;
    String contentType = "application/json";
    String name = "fixtures/anthropic/message-cache-1h.json";
    if (body.contains("\"stream\":true")) {
      contentType = "text/event-stream";
      name = "fixtures/anthropic/messages-stream.sse";
    } else if (body.contains("claude-retry") && "0".equals(attempt)) {
      status = 429;
      name = "fixtures/anthropic/error-rate-limit.json";
      exchange.getResponseHeaders().add("retry-after-ms", "20");
    } else if (body.contains("claude-bad-request")) {
      status = 400;
      name = "fixtures/anthropic/error-invalid-request.json";
    } else if (body.contains("claude-malformed")) {
      name = "fixtures/anthropic/message-malformed.json";
    }
    byte[] response = fixture(name);
    exchange.getResponseHeaders().add("Content-Type", contentType);
    exchange.getResponseHeaders().add("request-id", "req_011CUaReplay");
    exchange.sendResponseHeaders(status, response.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(response);
    }
  }

  private static byte[] fixture(String name) throws IOException {
    try (InputStream in = CostTraceAgentIT.class.getClassLoader().getResourceAsStream(name)) {
      return in.readAllBytes();
    }
  }

  @Test
  void chatSpansCarryConversationFromHeaderAndBaggageAndUpstreamUsage() throws Exception {
    clearSpans();
    List<String> out = runApp(fullClasspath(), List.of(), "openai", vendorBaseUrl());
    assertThat(out)
        .contains(
            "RESULT chat-header chatcmpl-CQ3tXk9vY2aLrB7mN4pE1sQ8wZ0dF 1342",
            "RESULT chat-baggage chatcmpl-CQ3tXk9vY2aLrB7mN4pE1sQ8wZ0dF 1342");

    assertThat(out)
        .contains(
            "RESULT chat-metadata chatcmpl-CQ3tXk9vY2aLrB7mN4pE1sQ8wZ0dF default",
            "RESULT chat-baggage-over-metadata chatcmpl-CQ3tXk9vY2aLrB7mN4pE1sQ8wZ0dF default");

    List<Span> chats = awaitChatSpans(4);
    // One span per call: the upstream chat span is extended, never duplicated.
    assertThat(chats).hasSize(4);
    assertThat(chats)
        .allSatisfy(s -> assertThat(string(s, "openai.response.service_tier")).contains("default"));
    assertThat(chats)
        .allSatisfy(s -> assertThat(integer(s, "gen_ai.usage.cache_read.input_tokens")).contains(1024L));
    assertThat(chats)
        .allSatisfy(s -> assertThat(string(s, "openai.api.type")).contains("chat_completions"));
    // The customizer reads the request through the upstream ChatCompletionRequest wrapper: the
    // requested tier and, lacking baggage and header, the conversation ID from chat metadata.
    Span viaMetadata = withAttribute(chats, "gen_ai.conversation.id", "conv-metadata-3");
    assertThat(string(viaMetadata, "openai.request.service_tier")).contains("default");
    Span baggageOverMetadata = withAttribute(chats, "gen_ai.conversation.id", "conv-baggage-9");
    assertThat(string(baggageOverMetadata, "openai.request.service_tier")).contains("default");
    assertThat(chats)
        .filteredOn(s -> string(s, "openai.request.service_tier").isPresent())
        .hasSize(2);
    assertThat(chats)
        .noneMatch(
            s -> string(s, "gen_ai.conversation.id").orElse("").equals("conv-metadata-ignored"));
    Span viaHeader = withAttribute(chats, "gen_ai.conversation.id", "conv-header-1");
    assertThat(string(viaHeader, "costtrace.tenant.id")).contains("acme");
    assertThat(string(viaHeader, "user.id")).contains("user-42");
    assertThat(string(viaHeader, "costtrace.feature")).contains("support-bot");
    assertThat(string(viaHeader, "gen_ai.request.model")).contains("gpt-4o-mini");
    assertThat(string(viaHeader, "gen_ai.response.model")).contains("gpt-4o-mini-2024-07-18");
    assertThat(string(viaHeader, "gen_ai.response.id"))
        .contains("chatcmpl-CQ3tXk9vY2aLrB7mN4pE1sQ8wZ0dF");
    assertThat(integer(viaHeader, "gen_ai.usage.input_tokens")).contains(1342L);
    assertThat(integer(viaHeader, "gen_ai.usage.output_tokens")).contains(9L);

    Span viaBaggage = withAttribute(chats, "gen_ai.conversation.id", "conv-baggage-7");
    assertThat(string(viaBaggage, "costtrace.tenant.id")).isEmpty();
    assertThat(integer(viaBaggage, "gen_ai.usage.input_tokens")).contains(1342L);

    Span server =
        spans.stream()
            .filter(s -> s.getKind() == Span.SpanKind.SPAN_KIND_SERVER)
            .findFirst()
            .orElseThrow();
    assertThat(string(server, "gen_ai.conversation.id")).contains("conv-header-1");
    assertThat(viaHeader.getTraceId()).isEqualTo(server.getTraceId());
  }

  @Test
  void throwingAgentHookChangesNothingTheAppSees() throws Exception {
    clearSpans();
    List<String> out =
        runApp(
            fullClasspath(),
            List.of("-Dcosttrace.agent.test.fail-hooks=true"),
            "openai",
            vendorBaseUrl());
    assertThat(out)
        .contains(
            "RESULT chat-header chatcmpl-CQ3tXk9vY2aLrB7mN4pE1sQ8wZ0dF 1342",
            "RESULT chat-baggage chatcmpl-CQ3tXk9vY2aLrB7mN4pE1sQ8wZ0dF 1342");
    List<Span> chats = awaitChatSpans(4);
    assertThat(chats).hasSize(4);
    // The failing attribution processor set nothing.
    assertThat(chats)
        .noneMatch(
            s ->
                List.of("conv-header-1", "conv-baggage-7", "conv-baggage-9")
                    .contains(string(s, "gen_ai.conversation.id").orElse("")));
  }

  @Test
  void appWithoutAnyLlmSdkStartsAndServesCleanly() throws Exception {
    List<String> out =
        runApp(
            System.getProperty("costtrace.test.classes"),
            List.of("-Dcosttrace.agent.debug=true"),
            "nosdk");
    assertThat(out).contains("RESULT nosdk ok");
    assertThat(out).noneMatch(l -> l.contains("Exception") || l.contains("ERROR"));
  }

  @Test
  void anthropicSyncAsyncAndStreamingCallsMakeOneSpanEachWithCacheSplitAndChangeNothing()
      throws Exception {
    clearSpans();
    String baseUrl = "http://127.0.0.1:" + vendor.getAddress().getPort();
    List<String> withAgent = results(runApp(fullClasspath(), List.of(), "anthropic", baseUrl));
    List<String> withoutAgent =
        results(runAppWithoutAgent(fullClasspath(), "anthropic", baseUrl));
    // What the app sees is the same with and without the agent, malformed response included.
    assertThat(withAgent).hasSize(7).isEqualTo(withoutAgent);
    assertThat(withAgent)
        .contains(
            "RESULT anthropic-sync msg_01XFDUDYJgAACzvnptvVoYEL claude-sonnet-4-5-20250929 end_turn 21/12",
            "RESULT anthropic-stream Paris is the capital of France.",
            "RESULT anthropic-async-stream Paris is the capital of France.",
            "RESULT anthropic-error error com.anthropic.errors.BadRequestException");
    assertThat(withAgent.get(6)).startsWith("RESULT anthropic-malformed msg_01Malformed9xQ2 ");

    List<Span> llm = awaitSpans("dev.costtrace.anthropic-java", 7);
    // Exactly one gen_ai span per call: seven calls, seven spans, one per conversation.
    assertThat(llm).hasSize(7);
    for (String scenario :
        List.of("sync", "async", "stream", "async-stream", "retry", "error", "malformed")) {
      assertThat(llm)
          .filteredOn(s -> string(s, "gen_ai.conversation.id").orElse("").equals("conv-anthropic-" + scenario))
          .as(scenario)
          .hasSize(1);
    }
    for (String scenario : List.of("sync", "async")) {
      Span span = withAttribute(llm, "gen_ai.conversation.id", "conv-anthropic-" + scenario);
      assertThat(span.getName()).isEqualTo("chat claude-sonnet-4-5");
      assertThat(span.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
      assertThat(string(span, "gen_ai.provider.name")).contains("anthropic");
      assertThat(string(span, "gen_ai.operation.name")).contains("chat");
      assertThat(string(span, "gen_ai.request.model")).contains("claude-sonnet-4-5");
      assertThat(integer(span, "gen_ai.request.max_tokens")).contains(1024L);
      assertThat(string(span, "gen_ai.response.model")).contains("claude-sonnet-4-5-20250929");
      assertThat(string(span, "gen_ai.response.id")).contains("msg_01XFDUDYJgAACzvnptvVoYEL");
      assertThat(strings(span, "gen_ai.response.finish_reasons")).containsExactly("end_turn");
      // Semconv input includes cache: 21 uncached + 1500 read + 4000 written.
      assertThat(integer(span, "gen_ai.usage.input_tokens")).contains(5521L);
      assertThat(integer(span, "gen_ai.usage.output_tokens")).contains(12L);
      assertThat(integer(span, "gen_ai.usage.cache_read.input_tokens")).contains(1500L);
      assertThat(integer(span, "gen_ai.usage.cache_creation.input_tokens")).contains(4000L);
      assertThat(integer(span, "gen_ai.usage.cache_creation.ephemeral_5m_input_tokens"))
          .contains(1000L);
      assertThat(integer(span, "gen_ai.usage.cache_creation.ephemeral_1h_input_tokens"))
          .contains(3000L);
      assertThat(string(span, "anthropic.response.service_tier")).contains("standard");
      assertThat(string(span, "error.type")).isEmpty();
      assertThat(span.getStatus().getCode()).isNotEqualTo(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR);
    }
    for (String scenario : List.of("stream", "async-stream")) {
      Span span = withAttribute(llm, "gen_ai.conversation.id", "conv-anthropic-" + scenario);
      assertThat(string(span, "gen_ai.response.id")).contains("msg_01StreamT4kq8V3bGZc2Lr9");
      assertThat(strings(span, "gen_ai.response.finish_reasons")).containsExactly("end_turn");
      assertThat(integer(span, "gen_ai.usage.input_tokens")).contains(2073L);
      assertThat(integer(span, "gen_ai.usage.output_tokens")).contains(15L);
      assertThat(integer(span, "gen_ai.usage.cache_read.input_tokens")).contains(2048L);
      assertThat(integer(span, "costtrace.gen_ai.time_to_first_token_ns")).hasValueSatisfying(
          ns -> assertThat(ns).isPositive().isLessThan(span.getEndTimeUnixNano() - span.getStartTimeUnixNano() + 1));
    }
    Span retry = withAttribute(llm, "gen_ai.conversation.id", "conv-anthropic-retry");
    assertThat(string(retry, "gen_ai.response.id")).contains("msg_01XFDUDYJgAACzvnptvVoYEL");
    assertThat(string(retry, "error.type")).isEmpty();
    Span error = withAttribute(llm, "gen_ai.conversation.id", "conv-anthropic-error");
    assertThat(string(error, "error.type")).contains("com.anthropic.errors.BadRequestException");
    assertThat(error.getStatus().getCode()).isEqualTo(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR);
    assertThat(string(error, "gen_ai.response.id")).isEmpty();
    Span malformed = withAttribute(llm, "gen_ai.conversation.id", "conv-anthropic-malformed");
    assertThat(string(malformed, "gen_ai.request.model")).contains("claude-malformed");
    assertThat(integer(malformed, "gen_ai.usage.input_tokens")).isEmpty();
  }

  private static List<String> results(List<String> lines) {
    return lines.stream().filter(l -> l.startsWith("RESULT ")).collect(Collectors.toList());
  }

  private static List<Span> awaitSpans(String scope, int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (scopeSpans(scope).size() < count && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    Thread.sleep(300); // a late duplicate would show up now
    return scopeSpans(scope);
  }

  private static List<Span> scopeSpans(String scope) {
    synchronized (scopes) {
      List<Span> out = new ArrayList<>();
      for (int i = 0; i < spans.size() && i < scopes.size(); i++) {
        if (scopes.get(i).equals(scope)) {
          out.add(spans.get(i));
        }
      }
      return out;
    }
  }

  static List<String> strings(Span span, String key) {
    return attribute(span, key)
        .filter(AnyValue::hasArrayValue)
        .map(v -> v.getArrayValue().getValuesList().stream().map(AnyValue::getStringValue)
            .collect(Collectors.toList()))
        .orElse(List.of());
  }

  private static String vendorBaseUrl() {
    return "http://127.0.0.1:" + vendor.getAddress().getPort() + "/v1";
  }

  private static String fullClasspath() throws IOException {
    String deps =
        Files.readString(Path.of(System.getProperty("costtrace.test.classpath.file"))).trim();
    return System.getProperty("costtrace.test.classes") + File.pathSeparator + deps;
  }

  private static List<String> runApp(String classpath, List<String> jvmArgs, String... args)
      throws Exception {
    return run(true, classpath, jvmArgs, args);
  }

  private static List<String> runAppWithoutAgent(String classpath, String... args)
      throws Exception {
    return run(false, classpath, List.of(), args);
  }

  private static List<String> run(
      boolean agent, String classpath, List<String> jvmArgs, String... args) throws Exception {
    return AgentProcess.run(agent, "http://127.0.0.1:" + otlp.getAddress().getPort(), classpath, jvmArgs,
        AgentTestApp.class, args);
  }

  private static List<Span> awaitChatSpans(int count) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    List<Span> chats = chatSpans();
    while (chats.size() < count && System.nanoTime() < deadline) {
      Thread.sleep(50);
      chats = chatSpans();
    }
    return chats;
  }

  private static List<Span> chatSpans() {
    return spans.stream()
        .filter(s -> string(s, "gen_ai.operation.name").orElse("").equals("chat"))
        .collect(Collectors.toList());
  }

  private static Span withAttribute(List<Span> list, String key, String value) {
    return list.stream()
        .filter(s -> string(s, key).orElse("").equals(value))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no span with " + key + "=" + value + ": " + list));
  }
}
