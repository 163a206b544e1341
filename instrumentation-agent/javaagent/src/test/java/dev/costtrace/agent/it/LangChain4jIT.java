package dev.costtrace.agent.it;

import static dev.costtrace.agent.it.OtlpTestBackend.genAiUnder;
import static dev.costtrace.agent.it.OtlpTestBackend.integer;
import static dev.costtrace.agent.it.OtlpTestBackend.string;
import static dev.costtrace.agent.it.OtlpTestBackend.strings;
import static org.assertj.core.api.Assertions.assertThat;

import dev.costtrace.agent.it.OtlpTestBackend.ScopedSpan;
import dev.costtrace.pricing.PricedSpan;
import dev.costtrace.pricing.PricingStatus;
import dev.costtrace.pricing.SpanPricer;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.math.BigDecimal;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * LangChain4j end to end: {@link LangChain4jTestApp} in a separate JVM with the built agent, real
 * LangChain4j OpenAI and Anthropic models (blocking and streaming) and an AiServices assistant with
 * a {@code @Tool}, against recorded vendor responses; spans over OTLP asserted attribute by
 * attribute. The JDK HttpClient capture is switched on for the replay host, so a second span under
 * a LangChain4j call would show.
 */
class LangChain4jIT {
  static final String SCOPE = "dev.costtrace.langchain4j";
  static final String HTTP_SCOPE = "dev.costtrace.agent.http";
  static final List<String> SCENARIOS =
      List.of(
          "lc4j-openai",
          "lc4j-openai-stream",
          "lc4j-anthropic",
          "lc4j-anthropic-stream",
          "lc4j-429-then-200",
          "lc4j-error",
          "lc4j-routing-model",
          "lc4j-tool",
          "lc4j-tool-error",
          "lc4j-stream-tool",
          "lc4j-baggage-over-memory-id",
          "lc4j-header",
          "lc4j-embeddings",
          "jdk-direct");

  /**
   * For the stalled stream's own app JVM: shorter than the app's wait ({@code STALL_WAIT_SECONDS});
   * the other runs keep the default, which a replayed stream on a loaded machine never reaches.
   */
  static final String STREAM_TIMEOUT = "-Dcosttrace.agent.stream.timeout=2s";

  private static VendorReplayServer vendor;
  private static OtlpTestBackend otlp;
  private static List<String> out;
  private static List<ScopedSpan> spans;

  @BeforeAll
  static void runAppOnce() throws Exception {
    vendor = new VendorReplayServer();
    otlp = new OtlpTestBackend();
    out = run(otlp, List.of());
    spans = awaitScenarios(otlp);
  }

  static List<String> run(OtlpTestBackend backend, List<String> jvmArgs) throws Exception {
    List<String> args =
        new java.util.ArrayList<>(List.of("-Dcosttrace.agent.http.hosts=127.0.0.1"));
    args.addAll(jvmArgs);
    return AgentProcess.run(
        backend.endpoint(),
        AgentProcess.fullClasspath(),
        args,
        LangChain4jTestApp.class,
        vendor.baseUrl("127.0.0.1"));
  }

  static List<ScopedSpan> awaitScenarios(OtlpTestBackend backend) throws InterruptedException {
    List<ScopedSpan> all =
        backend.await(
            s ->
                s.stream().filter(x -> x.span().getName().startsWith("scenario lc4j")).count()
                    >= SCENARIOS.size() - 1);
    // Nothing arrives later: the app has exited, and its agent's shutdown flush waited for the
    // backend's answers, which it gives only after keeping the spans.
    return backend.spans();
  }

  @AfterAll
  static void stop() {
    vendor.close();
    otlp.close();
  }

  static Span scenarioSpan(List<ScopedSpan> all, String scenario) {
    return all.stream()
        .map(ScopedSpan::span)
        .filter(s -> s.getName().equals("scenario " + scenario))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no scenario span " + scenario));
  }

  /** Every gen_ai span (chat and execute_tool) in the scenario's trace. */
  static List<ScopedSpan> genAi(List<ScopedSpan> all, String scenario) {
    return genAiUnder(all, scenarioSpan(all, scenario));
  }

  static List<Span> chats(List<ScopedSpan> all, String scenario) {
    return genAi(all, scenario).stream()
        .filter(s -> string(s.span(), "gen_ai.operation.name").orElse("").equals("chat"))
        .map(ScopedSpan::span)
        .collect(Collectors.toList());
  }

  /** The one chat span of a scenario, made by the LangChain4j instrumentation. */
  static Span onlyChat(List<ScopedSpan> all, String scenario) {
    List<ScopedSpan> genAi = genAi(all, scenario);
    assertThat(genAi).as(scenario + ": gen_ai spans").hasSize(1);
    assertThat(genAi.get(0).scope()).as(scenario).isEqualTo(SCOPE);
    return genAi.get(0).span();
  }

  @Test
  void appOutputIsTheSameWithoutTheAgent() throws Exception {
    List<String> plain =
        AgentProcess.run(
            false,
            otlp.endpoint(),
            AgentProcess.fullClasspath(),
            List.of(),
            LangChain4jTestApp.class,
            vendor.baseUrl("127.0.0.1"));
    for (String scenario : SCENARIOS) {
      assertThat(AgentProcess.result(plain, scenario))
          .as(scenario)
          .isEqualTo(AgentProcess.result(out, scenario));
    }
    assertThat(AgentProcess.result(out, "lc4j-openai"))
        .isEqualTo(
            "17 × 23 = 391. | chatcmpl-CTr4vN8qW1xK6bJ3mZ0pL7sY2dHfA o4-mini-2025-04-16 STOP 2210/340");
    assertThat(AgentProcess.result(out, "lc4j-tool"))
        .isEqualTo("Here is what I found for you. | tool calls 1");
    assertThat(AgentProcess.result(out, "lc4j-error"))
        .isEqualTo("error dev.langchain4j.exception.ModelNotFoundException");
  }

  @Test
  void blockingOpenAiChatIsOneSpanWithCacheAndReasoning() {
    Span span = onlyChat(spans, "lc4j-openai");
    assertThat(span.getName()).isEqualTo("chat o4-mini");
    assertThat(span.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
    assertThat(span.getParentSpanId()).isEqualTo(scenarioSpan(spans, "lc4j-openai").getSpanId());
    assertThat(string(span, "gen_ai.provider.name")).contains("openai");
    assertThat(string(span, "gen_ai.operation.name")).contains("chat");
    assertThat(string(span, "gen_ai.request.model")).contains("o4-mini");
    assertThat(string(span, "gen_ai.response.model")).contains("o4-mini-2025-04-16");
    assertThat(string(span, "gen_ai.response.id"))
        .contains("chatcmpl-CTr4vN8qW1xK6bJ3mZ0pL7sY2dHfA");
    assertThat(strings(span, "gen_ai.response.finish_reasons")).containsExactly("stop");
    assertThat(integer(span, "gen_ai.usage.input_tokens")).contains(2210L);
    assertThat(integer(span, "gen_ai.usage.output_tokens")).contains(340L);
    assertThat(integer(span, "gen_ai.usage.cache_read.input_tokens")).contains(1920L);
    assertThat(integer(span, "gen_ai.usage.reasoning.output_tokens")).contains(256L);
    assertThat(string(span, "openai.response.service_tier")).contains("default");
    assertThat(string(span, "error.type")).isEmpty();
    assertThat(integer(span, "costtrace.gen_ai.time_to_first_token_ns")).isEmpty();
    // Capture off (the default): no message content anywhere on the span.
    assertThat(span.getAttributesList())
        .noneMatch(kv -> kv.getValue().getStringValue().contains("17 * 23"));
  }

  @Test
  void streamsAreOneSpanEachEndedAtCompletionWithTimeToFirstToken() {
    Span openAi = onlyChat(spans, "lc4j-openai-stream");
    assertThat(string(openAi, "gen_ai.provider.name")).contains("openai");
    assertThat(string(openAi, "gen_ai.response.id"))
        .contains("chatcmpl-CRa8pLq2xT7bN0dVf5kYw3mZ1sHgE");
    assertThat(strings(openAi, "gen_ai.response.finish_reasons")).containsExactly("stop");
    assertThat(integer(openAi, "gen_ai.usage.input_tokens")).contains(2310L);
    assertThat(integer(openAi, "gen_ai.usage.output_tokens")).contains(7L);
    assertThat(integer(openAi, "gen_ai.usage.cache_read.input_tokens")).contains(2048L);
    Span anthropic = onlyChat(spans, "lc4j-anthropic-stream");
    assertThat(string(anthropic, "gen_ai.provider.name")).contains("anthropic");
    assertThat(string(anthropic, "gen_ai.response.id")).contains("msg_01StreamT4kq8V3bGZc2Lr9");
    // 25 uncached + 2048 read from cache: semconv input includes the cache.
    assertThat(integer(anthropic, "gen_ai.usage.input_tokens")).contains(2073L);
    assertThat(integer(anthropic, "gen_ai.usage.output_tokens")).contains(15L);
    assertThat(integer(anthropic, "gen_ai.usage.cache_read.input_tokens")).contains(2048L);
    for (Span span : List.of(openAi, anthropic)) {
      long ttft = integer(span, "costtrace.gen_ai.time_to_first_token_ns").orElseThrow();
      assertThat(ttft)
          .isPositive()
          .isLessThanOrEqualTo(span.getEndTimeUnixNano() - span.getStartTimeUnixNano());
    }
    assertThat(AgentProcess.result(out, "lc4j-openai-stream"))
        .startsWith("Paris is the capital of France. | ");
  }

  @Test
  void anthropicUsageHasCacheAddedBackToInput() {
    Span span = onlyChat(spans, "lc4j-anthropic");
    assertThat(span.getName()).isEqualTo("chat claude-sonnet-4-5");
    assertThat(string(span, "gen_ai.provider.name")).contains("anthropic");
    assertThat(integer(span, "gen_ai.request.max_tokens")).contains(1024L);
    assertThat(string(span, "gen_ai.response.model")).contains("claude-sonnet-4-5-20250929");
    assertThat(string(span, "gen_ai.response.id")).contains("msg_01XFDUDYJgAACzvnptvVoYEL");
    assertThat(strings(span, "gen_ai.response.finish_reasons")).containsExactly("stop");
    // 21 uncached + 1500 read + 4000 written.
    assertThat(integer(span, "gen_ai.usage.input_tokens")).contains(5521L);
    assertThat(integer(span, "gen_ai.usage.output_tokens")).contains(12L);
    assertThat(integer(span, "gen_ai.usage.cache_read.input_tokens")).contains(1500L);
    assertThat(integer(span, "gen_ai.usage.cache_creation.input_tokens")).contains(4000L);
  }

  @Test
  void retriesInsideLangChain4jStayInOneSpanAndErrorsHaveTheirType() {
    Span retried = onlyChat(spans, "lc4j-429-then-200");
    // Both HTTP attempts (the upstream agent's HTTP client spans) ran inside the one chat span.
    assertThat(spans)
        .map(ScopedSpan::span)
        .filteredOn(s -> s.getParentSpanId().equals(retried.getSpanId()))
        .extracting(s -> integer(s, "http.response.status_code").orElse(0L))
        .containsExactlyInAnyOrder(429L, 200L);
    assertThat(string(retried, "error.type")).isEmpty();
    assertThat(string(retried, "gen_ai.response.id"))
        .contains("chatcmpl-CQ3tXk9vY2aLrB7mN4pE1sQ8wZ0dF");
    assertThat(integer(retried, "gen_ai.usage.input_tokens")).contains(1342L);
    Span failed = onlyChat(spans, "lc4j-error");
    assertThat(string(failed, "error.type"))
        .contains("dev.langchain4j.exception.ModelNotFoundException");
    assertThat(failed.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
    assertThat(string(failed, "gen_ai.request.model")).contains("gpt-9-turbo");
    assertThat(integer(failed, "gen_ai.usage.input_tokens")).isEmpty();
  }

  @Test
  void aModelWrappingAVendorModelIsOneSpanNamingTheProviderUnderneath() {
    Span span = onlyChat(spans, "lc4j-routing-model");
    assertThat(string(span, "gen_ai.provider.name")).contains("openai");
    assertThat(string(span, "gen_ai.request.model")).contains("gpt-4o-mini");
    assertThat(string(span, "gen_ai.response.id"))
        .contains("chatcmpl-CQ3tXk9vY2aLrB7mN4pE1sQ8wZ0dF");
    assertThat(integer(span, "gen_ai.usage.cache_read.input_tokens")).contains(1024L);
  }

  @Test
  void noHttpLevelSpanUnderLangChain4jButTheCaptureIsOn() {
    for (String scenario : SCENARIOS) {
      if (scenario.equals("jdk-direct")) {
        continue;
      }
      com.google.protobuf.ByteString trace = scenarioSpan(spans, scenario).getTraceId();
      assertThat(spans)
          .as(scenario)
          .filteredOn(s -> s.span().getTraceId().equals(trace) && s.scope().equals(HTTP_SCOPE))
          .isEmpty();
    }
    List<ScopedSpan> direct = genAi(spans, "jdk-direct");
    assertThat(direct).hasSize(1);
    assertThat(direct.get(0).scope()).isEqualTo(HTTP_SCOPE);
  }

  @Test
  void toolRoundTripIsTwoChatSpansAndOneToolSpanWithTheMemoryIdAsConversation() {
    Span scenario = scenarioSpan(spans, "lc4j-tool");
    List<ScopedSpan> genAi = genAi(spans, "lc4j-tool");
    assertThat(genAi).hasSize(3).allSatisfy(s -> assertThat(s.scope()).isEqualTo(SCOPE));
    List<Span> chats = chats(spans, "lc4j-tool");
    assertThat(chats).hasSize(2);
    assertThat(chats)
        .extracting(s -> strings(s, "gen_ai.response.finish_reasons"))
        .containsExactlyInAnyOrder(List.of("tool_call"), List.of("stop"));
    Span tool =
        genAi.stream()
            .map(ScopedSpan::span)
            .filter(s -> string(s, "gen_ai.operation.name").orElse("").equals("execute_tool"))
            .findFirst()
            .orElseThrow();
    assertThat(tool.getName()).isEqualTo("execute_tool get_weather");
    assertThat(tool.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_INTERNAL);
    assertThat(tool.getParentSpanId()).isEqualTo(scenario.getSpanId());
    assertThat(string(tool, "gen_ai.tool.name")).contains("get_weather");
    assertThat(string(tool, "gen_ai.tool.call.id")).contains("call_Jd8QhM2pLx7Vb0nR4tKs9Wq1");
    assertThat(string(tool, "gen_ai.tool.type")).contains("function");
    assertThat(string(tool, "error.type")).isEmpty();
    // Content capture is off: no arguments, no result.
    assertThat(string(tool, "gen_ai.tool.call.arguments")).isEmpty();
    assertThat(string(tool, "gen_ai.tool.call.result")).isEmpty();
    // The tool ran between the two model calls, all three children of the app's span.
    Span first =
        chats.stream()
            .filter(s -> s.getStartTimeUnixNano() < tool.getStartTimeUnixNano())
            .findFirst()
            .orElseThrow();
    assertThat(first.getEndTimeUnixNano()).isLessThanOrEqualTo(tool.getStartTimeUnixNano());
    for (ScopedSpan s : genAi) {
      assertThat(s.span().getParentSpanId()).isEqualTo(scenario.getSpanId());
      // No baggage, header or parent value: the assistant's @MemoryId is the conversation.
      assertThat(string(s.span(), "gen_ai.conversation.id")).contains("conv-memory-7");
    }
  }

  @Test
  void streamingAssistantWithAToolIsTwoStreamSpansAndOneToolSpan() {
    List<ScopedSpan> genAi = genAi(spans, "lc4j-stream-tool");
    assertThat(genAi)
        .extracting(s -> s.span().getName())
        .containsExactlyInAnyOrder(
            "chat gpt-4o-mini", "chat gpt-4o-mini", "execute_tool get_weather");
    List<Span> chats = chats(spans, "lc4j-stream-tool");
    assertThat(chats)
        .extracting(s -> strings(s, "gen_ai.response.finish_reasons"))
        .containsExactlyInAnyOrder(List.of("tool_call"), List.of("stop"));
    assertThat(chats)
        .allSatisfy(
            s -> assertThat(integer(s, "costtrace.gen_ai.time_to_first_token_ns")).isPresent());
    Span tool =
        genAi.stream()
            .map(ScopedSpan::span)
            .filter(s -> s.getName().startsWith("execute_tool"))
            .findFirst()
            .orElseThrow();
    assertThat(string(tool, "gen_ai.tool.call.id")).contains("call_S7mK2pQ9xL4vB8nR1tJw6Yd3");
    // The memory ID of the streaming invocation reaches all three spans, children of the app's.
    for (ScopedSpan s : genAi) {
      assertThat(string(s.span(), "gen_ai.conversation.id")).contains("conv-memory-9");
      assertThat(s.span().getParentSpanId())
          .isEqualTo(scenarioSpan(spans, "lc4j-stream-tool").getSpanId());
    }
    assertThat(AgentProcess.result(out, "lc4j-stream-tool"))
        .isEqualTo("Paris is the capital of France. | tool calls 1");
  }

  @Test
  void aThrowingToolGetsErrorTypeAndTheAppCarriesOn() {
    Span tool =
        genAi(spans, "lc4j-tool-error").stream()
            .map(ScopedSpan::span)
            .filter(s -> string(s, "gen_ai.operation.name").orElse("").equals("execute_tool"))
            .findFirst()
            .orElseThrow();
    assertThat(string(tool, "gen_ai.tool.call.id")).contains("call_Xv3LpT9kQ2mN6bR8wJ4sY1dZ");
    assertThat(string(tool, "error.type")).contains("java.lang.IllegalArgumentException");
    assertThat(tool.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
    assertThat(string(tool, "gen_ai.conversation.id")).contains("conv-memory-8");
    assertThat(chats(spans, "lc4j-tool-error")).hasSize(2);
    // LangChain4j hands the failure to the model, which answers: the app sees that answer.
    assertThat(AgentProcess.result(out, "lc4j-tool-error"))
        .isEqualTo("Here is what I found for you. | tool calls 1");
  }

  @Test
  void baggageAndInboundHeaderWinOverTheMemoryId() {
    Span viaBaggage = onlyChat(spans, "lc4j-baggage-over-memory-id");
    assertThat(string(viaBaggage, "gen_ai.conversation.id")).contains("conv-lc4j-baggage");
    Span viaHeader = onlyChat(spans, "lc4j-header");
    assertThat(string(viaHeader, "gen_ai.conversation.id")).contains("conv-header-1");
    assertThat(string(viaHeader, "user.id")).contains("user-42");
    assertThat(string(viaHeader, "costtrace.tenant.id"))
        .isEmpty(); // not trusted from requests by default
    Span server =
        spans.stream()
            .map(ScopedSpan::span)
            .filter(s -> s.getKind() == Span.SpanKind.SPAN_KIND_SERVER)
            .filter(s -> s.getTraceId().equals(viaHeader.getTraceId()))
            .findFirst()
            .orElseThrow();
    assertThat(viaHeader.getParentSpanId()).isEqualTo(server.getSpanId());
  }

  @Test
  void spansArePricedBySpanPricer() {
    try (SpanPricer pricer = SpanPricer.builder().build()) {
      PricedSpan retried = pricer.price(onlyChat(spans, "lc4j-429-then-200"), List.of());
      assertThat(retried.status()).isEqualTo(PricingStatus.PRICED);
      // 318 uncached x 0.15 + 1024 cached x 0.075 + 9 output x 0.60 USD per million tokens
      assertThat(retried.total()).isEqualByComparingTo(new BigDecimal("0.0001299"));
      Span tool =
          genAi(spans, "lc4j-tool").stream()
              .map(ScopedSpan::span)
              .filter(s -> s.getName().startsWith("execute_tool"))
              .findFirst()
              .orElseThrow();
      PricedSpan toolPrice = pricer.price(tool, List.of());
      // A local function tool has no registry entry: priced by name, found none.
      assertThat(toolPrice.status()).isEqualTo(PricingStatus.UNREGISTERED_TOOL);
      assertThat(toolPrice.reason()).contains("get_weather");
    }
  }

  @Test
  void contentCaptureOptInRecordsToolArgumentsAndResult() throws Exception {
    try (OtlpTestBackend capture = new OtlpTestBackend()) {
      run(capture, List.of("-Dcosttrace.agent.capture.content=true"));
      List<ScopedSpan> all = awaitScenarios(capture);
      Span tool =
          genAi(all, "lc4j-tool").stream()
              .map(ScopedSpan::span)
              .filter(s -> s.getName().startsWith("execute_tool"))
              .findFirst()
              .orElseThrow();
      assertThat(string(tool, "gen_ai.tool.call.arguments")).contains("{\"city\":\"Paris\"}");
      assertThat(string(tool, "gen_ai.tool.call.result")).contains("18°C, sunny");
    }
  }

  /** The test app's class path with the older LangChain4j's jars in place of the newest's. */
  @Test
  void embeddingModelCallsAreEmbeddingsSpansWithInputTokens() {
    assertThat(AgentProcess.result(out, "lc4j-embeddings")).isEqualTo("1 x 4 | 8");
    Span span = onlyChat(spans, "lc4j-embeddings");
    assertThat(span.getName()).isEqualTo("embeddings text-embedding-3-small");
    assertThat(span.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
    assertThat(string(span, "gen_ai.operation.name")).contains("embeddings");
    assertThat(string(span, "gen_ai.provider.name")).contains("openai");
    assertThat(string(span, "gen_ai.request.model")).contains("text-embedding-3-small");
    assertThat(integer(span, "gen_ai.usage.input_tokens")).contains(8L);
    assertThat(integer(span, "gen_ai.usage.output_tokens")).isEmpty();
    try (SpanPricer pricer = SpanPricer.builder().build()) {
      PricedSpan priced = pricer.price(span, List.of());
      assertThat(priced.status()).isEqualTo(PricingStatus.PRICED);
      // text-embedding-3-small: 8 x 0.02 USD per million
      assertThat(priced.total()).isEqualByComparingTo(new BigDecimal("0.00000016"));
    }
  }

  @Test
  void aStreamWhoseModelNeverCallsBackEndsOnTheTimeout() throws Exception {
    List<String> stalledOut;
    List<ScopedSpan> stalledSpans;
    try (OtlpTestBackend backend = new OtlpTestBackend()) {
      stalledOut =
          AgentProcess.run(
              backend.endpoint(),
              AgentProcess.fullClasspath(),
              List.of("-Dcosttrace.agent.http.hosts=127.0.0.1", STREAM_TIMEOUT),
              LangChain4jTestApp.class,
              vendor.baseUrl("127.0.0.1"),
              "stall");
      stalledSpans = backend.await(s -> s.stream().anyMatch(x -> x.scope().equals(SCOPE)));
    }
    // What the app sees is what it sees without the agent: no callback, its own wait runs out.
    assertThat(AgentProcess.result(stalledOut, "lc4j-stream-stalled"))
        .isEqualTo("no answer within " + LangChain4jTestApp.STALL_WAIT_SECONDS + " s");
    Span span = onlyChat(stalledSpans, "lc4j-stream-stalled");
    assertThat(span.getName()).isEqualTo("chat gpt-4o-mini");
    assertThat(string(span, "error.type")).contains("timeout");
    assertThat(span.getStatus().getCode()).isEqualTo(Status.StatusCode.STATUS_CODE_ERROR);
    long seconds = (span.getEndTimeUnixNano() - span.getStartTimeUnixNano()) / 1_000_000_000L;
    assertThat(seconds)
        .as("ended by the 2 s timeout")
        .isBetween(2L, LangChain4jTestApp.STALL_WAIT_SECONDS - 1L);
    assertThat(integer(span, "gen_ai.usage.input_tokens")).isEmpty();
  }

  static String olderLangChain4jClasspath() throws Exception {
    return AgentProcess.classpathSwapping(
        "/dev/langchain4j/",
        java.nio.file.Path.of(System.getProperty("costtrace.langchain4j.older.dir")));
  }

  @Test
  void olderLangChain4jGetsTheSameSpans() throws Exception {
    try (OtlpTestBackend older = new OtlpTestBackend()) {
      String classpath = olderLangChain4jClasspath();
      assertThat(classpath).contains("langchain4j-core-1.11.0.jar").doesNotContain("1.19.0");
      List<String> olderOut =
          AgentProcess.run(
              older.endpoint(),
              classpath,
              List.of("-Dcosttrace.agent.http.hosts=127.0.0.1"),
              LangChain4jTestApp.class,
              vendor.baseUrl("127.0.0.1"));
      List<ScopedSpan> all = awaitScenarios(older);
      for (String scenario : SCENARIOS) {
        assertThat(AgentProcess.result(olderOut, scenario))
            .as(scenario)
            .isEqualTo(AgentProcess.result(out, scenario));
      }
      Span openAi = onlyChat(all, "lc4j-openai");
      assertThat(integer(openAi, "gen_ai.usage.cache_read.input_tokens")).contains(1920L);
      assertThat(integer(openAi, "gen_ai.usage.reasoning.output_tokens")).contains(256L);
      Span anthropic = onlyChat(all, "lc4j-anthropic");
      assertThat(integer(anthropic, "gen_ai.usage.input_tokens")).contains(5521L);
      assertThat(
              integer(
                  onlyChat(all, "lc4j-anthropic-stream"),
                  "costtrace.gen_ai.time_to_first_token_ns"))
          .isPresent();
      assertThat(onlyChat(all, "lc4j-429-then-200").getName()).isEqualTo("chat gpt-4o-mini");
      assertThat(genAi(all, "lc4j-tool"))
          .extracting(s -> s.span().getName())
          .containsExactlyInAnyOrder(
              "chat gpt-4o-mini", "chat gpt-4o-mini", "execute_tool get_weather");
      assertThat(genAi(all, "lc4j-tool"))
          .allSatisfy(
              s ->
                  assertThat(string(s.span(), "gen_ai.conversation.id")).contains("conv-memory-7"));
    }
  }

  @Test
  void failingHooksChangeNothingTheAppSees() throws Exception {
    try (OtlpTestBackend quiet = new OtlpTestBackend()) {
      List<String> failing = run(quiet, AgentProcess.faults());
      for (String scenario : SCENARIOS) {
        assertThat(AgentProcess.result(failing, scenario))
            .as(scenario)
            .isEqualTo(AgentProcess.result(out, scenario));
      }
      // The hooks did fail (each LangChain4j span's end threw) and were contained.
      assertThat(AgentProcess.faultContained(failing)).isTrue();
    }
  }
}
