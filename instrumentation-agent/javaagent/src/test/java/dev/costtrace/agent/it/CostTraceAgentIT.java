package dev.costtrace.agent.it;

import static dev.costtrace.agent.it.OtlpTestBackend.integer;
import static dev.costtrace.agent.it.OtlpTestBackend.string;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.util.List;
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
  private static VendorReplayServer vendor;
  private static OtlpTestBackend otlp;

  @BeforeAll
  static void startServers() throws IOException {
    vendor = new VendorReplayServer(); // answers the SDK's chat calls with the recorded completion
    otlp = new OtlpTestBackend();
  }

  private static void clearSpans() {
    otlp.clear();
  }

  @AfterAll
  static void stopServers() {
    vendor.close();
    otlp.close();
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

    List<Span> chats = awaitChatSpans(6);
    // One span per call: the upstream chat span is extended, never duplicated.
    assertThat(chats).hasSize(6);
    assertThat(chats)
        .allSatisfy(s -> assertThat(string(s, "openai.response.service_tier")).contains("default"));
    assertThat(chats)
        .allSatisfy(
            s -> assertThat(integer(s, "gen_ai.usage.cache_read.input_tokens")).contains(1024L));
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
    // The tenant is not taken from the request by default: its end user could name any tenant.
    assertThat(string(viaHeader, "costtrace.tenant.id")).isEmpty();
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

    // Inbound W3C baggage: the user it names is trusted by default, the tenant is not.
    Span inboundBaggage = withAttribute(chats, "gen_ai.conversation.id", "conv-inbound-5");
    assertThat(string(inboundBaggage, "user.id")).contains("user-7");
    assertThat(string(inboundBaggage, "costtrace.tenant.id")).isEmpty();
    // The application's own baggage sets the tenant.
    Span appTenant = withAttribute(chats, "gen_ai.conversation.id", "conv-app-6");
    assertThat(string(appTenant, "costtrace.tenant.id")).contains("initech");

    Span server =
        spans().stream()
            .filter(s -> s.getKind() == Span.SpanKind.SPAN_KIND_SERVER)
            .findFirst()
            .orElseThrow();
    assertThat(string(server, "gen_ai.conversation.id")).contains("conv-header-1");
    assertThat(viaHeader.getTraceId()).isEqualTo(server.getTraceId());
  }

  @Test
  void tenantFromRequestsOnlyWhenTrustIsConfigured() throws Exception {
    clearSpans();
    List<String> out =
        runApp(
            fullClasspath(),
            List.of("-Dcosttrace.agent.trust.inbound=conversation,tenant,user,feature"),
            "openai",
            vendorBaseUrl());
    assertThat(out).contains("RESULT chat-header chatcmpl-CQ3tXk9vY2aLrB7mN4pE1sQ8wZ0dF 1342");
    List<Span> chats = awaitChatSpans(6);
    assertThat(
            string(
                withAttribute(chats, "gen_ai.conversation.id", "conv-header-1"),
                "costtrace.tenant.id"))
        .contains("acme");
    assertThat(
            string(
                withAttribute(chats, "gen_ai.conversation.id", "conv-inbound-5"),
                "costtrace.tenant.id"))
        .contains("globex");
    assertThat(
            string(
                withAttribute(chats, "gen_ai.conversation.id", "conv-app-6"),
                "costtrace.tenant.id"))
        .contains("initech");
  }

  @Test
  void throwingAgentHookChangesNothingTheAppSees() throws Exception {
    clearSpans();
    // The Anthropic scenarios: their spans are CostTrace's own (the OpenAI chat spans above are
    // upstream's, which the test-only fault extension leaves alone), so every span end throws
    // inside our hooks — sync, async, streamed, retried, failed and malformed calls.
    List<String> out =
        runApp(fullClasspath(), AgentProcess.faults(), "anthropic", vendor.anthropicBaseUrl());
    assertThat(out)
        .contains(
            "RESULT anthropic-sync msg_01XFDUDYJgAACzvnptvVoYEL claude-sonnet-4-5-20250929 end_turn 21/12",
            "RESULT anthropic-stream Paris is the capital of France.",
            "RESULT anthropic-async-stream Paris is the capital of France.",
            "RESULT anthropic-error error com.anthropic.errors.BadRequestException");
    assertThat(out.stream().filter(l -> l.startsWith("RESULT anthropic-"))).hasSize(7);
    assertThat(AgentProcess.faultContained(out)).as(String.join("\n", out)).isTrue();
    assertThat(awaitChatSpans(7)).hasSize(7);
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

  private static String vendorBaseUrl() {
    return vendor.baseUrl("127.0.0.1");
  }

  private static String fullClasspath() throws IOException {
    return AgentProcess.fullClasspath();
  }

  private static List<String> runApp(String classpath, List<String> jvmArgs, String... args)
      throws Exception {
    return AgentProcess.run(true, otlp.endpoint(), classpath, jvmArgs, AgentTestApp.class, args);
  }

  private static List<Span> spans() {
    return otlp.spans().stream().map(OtlpTestBackend.ScopedSpan::span).collect(Collectors.toList());
  }

  private static List<Span> awaitChatSpans(int count) throws InterruptedException {
    otlp.await(all -> chatSpans().size() >= count);
    return chatSpans();
  }

  private static List<Span> chatSpans() {
    return spans().stream()
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
