package dev.costtrace.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
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
import java.util.Optional;
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
                spans.addAll(ss.getSpansList());
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

  @AfterAll
  static void stopServers() {
    vendor.stop(0);
    otlp.stop(0);
  }

  private static byte[] fixture(String name) throws IOException {
    try (InputStream in = CostTraceAgentIT.class.getClassLoader().getResourceAsStream(name)) {
      return in.readAllBytes();
    }
  }

  @Test
  void chatSpansCarryConversationFromHeaderAndBaggageAndUpstreamUsage() throws Exception {
    spans.clear();
    List<String> out = runApp(fullClasspath(), List.of(), "openai", vendorBaseUrl());
    assertThat(out)
        .contains(
            "RESULT chat-header chatcmpl-CQ3tXk9vY2aLrB7mN4pE1sQ8wZ0dF 1342",
            "RESULT chat-baggage chatcmpl-CQ3tXk9vY2aLrB7mN4pE1sQ8wZ0dF 1342");

    List<Span> chats = awaitChatSpans(2);
    // One span per call: the upstream chat span is extended, never duplicated.
    assertThat(chats).hasSize(2);
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
    spans.clear();
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
    List<Span> chats = awaitChatSpans(2);
    assertThat(chats).allSatisfy(s -> assertThat(string(s, "gen_ai.conversation.id")).isEmpty());
  }

  @Test
  void appWithoutAnyLlmSdkStartsAndServesCleanly() throws Exception {
    List<String> out =
        runApp(System.getProperty("costtrace.test.classes"), List.of(), "nosdk");
    assertThat(out).contains("RESULT nosdk ok");
    assertThat(out).noneMatch(l -> l.contains("Exception") || l.contains("ERROR"));
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
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-javaagent:" + System.getProperty("costtrace.agent.jar"));
    cmd.add("-Dotel.service.name=costtrace-agent-it");
    cmd.add("-Dotel.exporter.otlp.endpoint=http://127.0.0.1:" + otlp.getAddress().getPort());
    cmd.add("-Dotel.exporter.otlp.protocol=http/protobuf");
    cmd.add("-Dotel.metrics.exporter=none");
    cmd.add("-Dotel.logs.exporter=none");
    cmd.add("-Dotel.bsp.schedule.delay=100");
    cmd.add("-Xshare:auto");
    cmd.addAll(jvmArgs);
    cmd.add("-cp");
    cmd.add(classpath);
    cmd.add(AgentTestApp.class.getName());
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    byte[] output = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    String text = new String(output, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(text).isZero();
    return text.lines().collect(Collectors.toList());
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

  private static Optional<AnyValue> attribute(Span span, String key) {
    for (KeyValue kv : span.getAttributesList()) {
      if (kv.getKey().equals(key)) {
        return Optional.of(kv.getValue());
      }
    }
    return Optional.empty();
  }

  static Optional<String> string(Span span, String key) {
    return attribute(span, key).filter(AnyValue::hasStringValue).map(AnyValue::getStringValue);
  }

  static Optional<Long> integer(Span span, String key) {
    return attribute(span, key).filter(AnyValue::hasIntValue).map(AnyValue::getIntValue);
  }
}
