package dev.costtrace.agent.it;

import static dev.costtrace.agent.it.OtlpTestBackend.integer;
import static dev.costtrace.agent.it.OtlpTestBackend.string;
import static dev.costtrace.agent.it.OtlpTestBackend.strings;
import static org.assertj.core.api.Assertions.assertThat;

import dev.costtrace.agent.it.OtlpTestBackend.ScopedSpan;
import dev.costtrace.pricing.PricedSpan;
import dev.costtrace.pricing.PricingStatus;
import dev.costtrace.pricing.SpanPricer;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status.StatusCode;
import java.math.BigDecimal;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OpenAI Java SDK end to end: {@link OpenAiSdkTestApp} in a separate JVM with the built agent,
 * the real SDK (the pinned version, and an older one) against recorded Responses API and chat
 * stream responses replayed by {@link VendorReplayServer}; spans over OTLP asserted attribute by
 * attribute, one gen_ai span per call, the app's output compared with a run without the agent.
 */
class OpenAiSdkIT {
  private static final String SCOPE = "dev.costtrace.openai-java";
  private static final String UPSTREAM_SCOPE = "io.opentelemetry.openai-java-1.1";
  private static final String HTTP_SCOPE = "dev.costtrace.agent.http";
  private static final int SCENARIOS = 16;
  private static final int CORE_SCENARIOS = 14;

  private static VendorReplayServer vendor;
  private static OtlpTestBackend otlp;
  private static List<String> out;
  private static List<ScopedSpan> spans;

  @BeforeAll
  static void runAppOnce() throws Exception {
    vendor = new VendorReplayServer();
    otlp = new OtlpTestBackend();
    out = run(otlp, AgentProcess.fullClasspath(), List.of(), "all");
    spans = awaitScenarios(otlp, SCENARIOS);
  }

  @AfterAll
  static void stop() {
    vendor.close();
    otlp.close();
  }

  private static List<String> run(
      OtlpTestBackend backend, String classpath, List<String> jvmArgs, String scenarios)
      throws Exception {
    // The replay server's host is in the HTTP layer's list, so a second, HTTP-level span for an
    // SDK call would be made (and caught by noHttpLevelSpanUnderAnySdkCall) if the layering broke.
    List<String> args = new java.util.ArrayList<>(jvmArgs);
    args.add("-Dcosttrace.agent.http.hosts=127.0.0.1");
    return AgentProcess.run(
        backend.endpoint(),
        classpath,
        args,
        OpenAiSdkTestApp.class,
        vendor.baseUrl("127.0.0.1"),
        scenarios);
  }

  private static List<ScopedSpan> awaitScenarios(OtlpTestBackend backend, int count)
      throws InterruptedException {
    backend.await(
        s -> s.stream().filter(x -> x.span().getName().startsWith("scenario ")).count() >= count);
    // Nothing arrives later: the app has exited, and its agent's shutdown flush waited for the
    // backend's answers, which it gives only after keeping the spans.
    return backend.spans();
  }

  private static List<String> results(List<String> lines) {
    return lines.stream().filter(l -> l.startsWith("RESULT ")).collect(Collectors.toList());
  }

  /** The one gen_ai span of a scenario (fails if there are none or several, or one from HTTP). */
  private static Span only(List<ScopedSpan> all, String scenario, String scope) {
    List<ScopedSpan> found = OtlpTestBackend.genAiOfScenario(all, scenario);
    assertThat(found).as(scenario + ": gen_ai spans").hasSize(1);
    assertThat(found.get(0).scope()).as(scenario + ": scope").isEqualTo(scope);
    return found.get(0).span();
  }

  private static Span only(String scenario) {
    return only(spans, scenario, SCOPE);
  }

  @Test
  void appSeesExactlyWhatItSeesWithoutTheAgent() throws Exception {
    try (OtlpTestBackend none = new OtlpTestBackend()) {
      List<String> without =
          AgentProcess.run(
              false,
              none.endpoint(),
              AgentProcess.fullClasspath(),
              List.of(),
              OpenAiSdkTestApp.class,
              vendor.baseUrl("127.0.0.1"),
              "all");
      assertThat(results(out)).hasSize(SCENARIOS).isEqualTo(results(without));
    }
    assertThat(AgentProcess.result(out, "responses-sync"))
        .isEqualTo("resp_68d1f0a2c5e08190b1f3a6c2d4e5f60708 completed 1536/1280/212/192");
    assertThat(AgentProcess.result(out, "responses-stream"))
        .isEqualTo(
            "The capital of France is Paris. | resp_68d2a41c9e7c8193b5d0e2f4a6c8e0f1 completed 2150/2048/96/64");
    assertThat(AgentProcess.result(out, "responses-error"))
        .startsWith("exception com.openai.errors.NotFoundException");
    assertThat(AgentProcess.result(out, "responses-malformed"))
        .startsWith("resp_68d2b07a11c48190aa0b1c2d3e4f5061 completed usage-error ");
    assertThat(AgentProcess.result(out, "chat-stream"))
        .isEqualTo("Paris is the capital of France. | 2310/7");
  }

  @Test
  void rawResponsesAreOneSpanEndedWhenTheAppParses() {
    assertThat(AgentProcess.result(out, "responses-raw"))
        .isEqualTo("200 resp_68d1f0a2c5e08190b1f3a6c2d4e5f60708 completed 1536/1280/212/192");
    for (String scenario : List.of("responses-raw", "responses-async-raw")) {
      Span span = only(scenario);
      assertThat(span.getName()).isEqualTo("chat o4-mini");
      assertThat(string(span, "openai.api.type")).contains("responses");
      assertThat(string(span, "gen_ai.response.id"))
          .contains("resp_68d1f0a2c5e08190b1f3a6c2d4e5f60708");
      assertThat(integer(span, "gen_ai.usage.input_tokens")).contains(1536L);
      assertThat(integer(span, "gen_ai.usage.output_tokens")).contains(212L);
      assertThat(integer(span, "gen_ai.usage.cache_read.input_tokens")).contains(1280L);
      assertThat(integer(span, "gen_ai.usage.reasoning.output_tokens")).contains(192L);
      assertThat(string(span, "server.address")).contains("127.0.0.1");
      assertThat(integer(span, "server.port")).contains((long) vendor.port());
      assertThat(string(span, "error.type")).isEmpty();
    }
  }

  @Test
  void responsesCreateIsOneSpanWithUsageCacheReasoningAndServiceTier() {
    for (String scenario : List.of("responses-sync", "responses-async")) {
      Span span = only(scenario);
      assertThat(span.getName()).isEqualTo("chat o4-mini");
      assertThat(span.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
      assertThat(string(span, "gen_ai.provider.name")).contains("openai");
      assertThat(string(span, "gen_ai.operation.name")).contains("chat");
      assertThat(string(span, "openai.api.type")).contains("responses");
      assertThat(string(span, "gen_ai.request.model")).contains("o4-mini");
      assertThat(integer(span, "gen_ai.request.max_tokens")).contains(512L);
      assertThat(string(span, "gen_ai.response.model")).contains("o4-mini-2025-04-16");
      assertThat(string(span, "gen_ai.response.id"))
          .contains("resp_68d1f0a2c5e08190b1f3a6c2d4e5f60708");
      assertThat(strings(span, "gen_ai.response.finish_reasons")).containsExactly("completed");
      assertThat(integer(span, "gen_ai.usage.input_tokens")).contains(1536L);
      assertThat(integer(span, "gen_ai.usage.output_tokens")).contains(212L);
      assertThat(integer(span, "gen_ai.usage.cache_read.input_tokens")).contains(1280L);
      assertThat(integer(span, "gen_ai.usage.reasoning.output_tokens")).contains(192L);
      assertThat(integer(span, "gen_ai.usage.cache_creation.input_tokens")).isEmpty();
      assertThat(string(span, "openai.response.service_tier")).contains("default");
      assertThat(string(span, "gen_ai.conversation.id")).isEmpty();
      assertThat(integer(span, "costtrace.gen_ai.time_to_first_token_ns")).isEmpty();
      assertThat(bool(span, "gen_ai.request.stream")).isEmpty();
      // The client's base URL: the replay server.
      assertThat(string(span, "server.address")).contains("127.0.0.1");
      assertThat(integer(span, "server.port")).contains((long) vendor.port());
      assertThat(string(span, "error.type")).isEmpty();
      assertThat(span.getStatus().getCode()).isNotEqualTo(StatusCode.STATUS_CODE_ERROR);
    }
    // Requested tier "default" is written; "auto" is not (semconv: only a specific tier).
    assertThat(string(only("responses-sync"), "openai.request.service_tier")).contains("default");
    assertThat(string(only("responses-async"), "openai.request.service_tier")).isEmpty();
  }

  @Test
  void responsesStreamsHaveUsageFromTheFinalEventAndTimeToFirstToken() {
    for (String scenario : List.of("responses-stream", "responses-async-stream")) {
      Span span = only(scenario);
      assertThat(span.getName()).isEqualTo("chat o4-mini");
      assertThat(string(span, "openai.api.type")).contains("responses");
      assertThat(bool(span, "gen_ai.request.stream")).contains(true);
      assertThat(string(span, "gen_ai.response.id"))
          .contains("resp_68d2a41c9e7c8193b5d0e2f4a6c8e0f1");
      assertThat(string(span, "gen_ai.response.model")).contains("o4-mini-2025-04-16");
      assertThat(strings(span, "gen_ai.response.finish_reasons")).containsExactly("completed");
      assertThat(integer(span, "gen_ai.usage.input_tokens")).contains(2150L);
      assertThat(integer(span, "gen_ai.usage.output_tokens")).contains(96L);
      assertThat(integer(span, "gen_ai.usage.cache_read.input_tokens")).contains(2048L);
      assertThat(integer(span, "gen_ai.usage.reasoning.output_tokens")).contains(64L);
      // The final event's tier, not response.created's "auto".
      assertThat(string(span, "openai.response.service_tier")).contains("default");
      long ttft = integer(span, "costtrace.gen_ai.time_to_first_token_ns").orElseThrow();
      assertThat(ttft)
          .isPositive()
          .isLessThanOrEqualTo(span.getEndTimeUnixNano() - span.getStartTimeUnixNano());
      assertThat(string(span, "error.type")).isEmpty();
    }
  }

  @Test
  void streamClosedEarlyEndsItsSpanWithWhatArrived() {
    assertThat(AgentProcess.result(out, "responses-stream-closed-early")).isEqualTo("first true");
    Span span = only("responses-stream-closed-early");
    assertThat(span.getEndTimeUnixNano()).isGreaterThan(span.getStartTimeUnixNano());
    assertThat(string(span, "gen_ai.response.id"))
        .contains("resp_68d2a41c9e7c8193b5d0e2f4a6c8e0f1");
    assertThat(integer(span, "gen_ai.usage.input_tokens")).isEmpty();
    assertThat(integer(span, "costtrace.gen_ai.time_to_first_token_ns")).isPresent();
  }

  @Test
  void conversationFromTheRequestFieldUnlessTheAppsBaggageSaysOtherwise() {
    assertThat(string(only("responses-conversation"), "gen_ai.conversation.id"))
        .contains(OpenAiSdkTestApp.CONVERSATION);
    assertThat(string(only("responses-conversation-under-baggage"), "gen_ai.conversation.id"))
        .contains("conv-app-baggage-5");
  }

  @Test
  void rateLimitedAttemptAndItsRetryAreOneSpanWithoutError() {
    assertThat(AgentProcess.result(out, "responses-retry"))
        .isEqualTo("resp_68d1f0a2c5e08190b1f3a6c2d4e5f60708 completed 1536/1280/212/192");
    Span span = only("responses-retry");
    assertThat(string(span, "error.type")).isEmpty();
    assertThat(integer(span, "gen_ai.usage.input_tokens")).contains(1536L);
  }

  @Test
  void errorResponseIsAnErrorSpanAndMalformedUsageLosesOnlyItself() {
    Span error = only("responses-error");
    assertThat(string(error, "error.type")).contains("com.openai.errors.NotFoundException");
    assertThat(error.getStatus().getCode()).isEqualTo(StatusCode.STATUS_CODE_ERROR);
    assertThat(string(error, "gen_ai.response.id")).isEmpty();
    assertThat(integer(error, "gen_ai.usage.input_tokens")).isEmpty();

    Span malformed = only("responses-malformed");
    assertThat(string(malformed, "gen_ai.response.id"))
        .contains("resp_68d2b07a11c48190aa0b1c2d3e4f5061");
    assertThat(integer(malformed, "gen_ai.usage.input_tokens")).isEmpty();
    assertThat(integer(malformed, "gen_ai.usage.cache_read.input_tokens")).isEmpty();
    assertThat(integer(malformed, "gen_ai.usage.output_tokens")).contains(212L);
    assertThat(string(malformed, "error.type")).isEmpty();
  }

  @Test
  void chatStreamsAreTheUpstreamSpanWithTimeToFirstTokenAndNoSecondSpan() {
    for (String scenario : List.of("chat-stream", "chat-async-stream")) {
      Span span = only(spans, scenario, UPSTREAM_SCOPE);
      assertThat(string(span, "gen_ai.operation.name")).contains("chat");
      assertThat(string(span, "openai.api.type")).contains("chat_completions");
      assertThat(string(span, "gen_ai.response.id"))
          .contains("chatcmpl-CRa8pLq2xT7bN0dVf5kYw3mZ1sHgE");
      assertThat(integer(span, "gen_ai.usage.input_tokens")).contains(2310L);
      assertThat(integer(span, "gen_ai.usage.output_tokens")).contains(7L);
      long ttft = integer(span, "costtrace.gen_ai.time_to_first_token_ns").orElseThrow();
      assertThat(ttft)
          .isPositive()
          .isLessThanOrEqualTo(span.getEndTimeUnixNano() - span.getStartTimeUnixNano());
    }
  }

  @Test
  void chatCreateIsTheUpstreamSpanExtendedAndNotDoubled() {
    for (String scenario : List.of("chat-sync", "chat-async")) {
      assertThat(AgentProcess.result(out, scenario))
          .isEqualTo("chatcmpl-CQ3tXk9vY2aLrB7mN4pE1sQ8wZ0dF stop 1342/9");
      Span span = only(spans, scenario, UPSTREAM_SCOPE);
      assertThat(string(span, "openai.api.type")).contains("chat_completions");
      assertThat(string(span, "openai.request.service_tier")).contains("default");
      assertThat(integer(span, "gen_ai.usage.input_tokens")).contains(1342L);
    }
  }

  @Test
  void withTheUpstreamOpenAiInstrumentationOffChatCallsGetOurOwnSpan() throws Exception {
    try (OtlpTestBackend backend = new OtlpTestBackend()) {
      List<String> alone =
          run(
              backend,
              AgentProcess.fullClasspath(),
              List.of("-Dotel.instrumentation.openai-java.enabled=false"),
              "core");
      assertThat(results(alone)).isEqualTo(results(out).subList(0, CORE_SCENARIOS));
      List<ScopedSpan> all = awaitScenarios(backend, CORE_SCENARIOS);
      assertThat(all).filteredOn(s -> s.scope().equals(UPSTREAM_SCOPE)).isEmpty();
      for (String scenario : List.of("chat-sync", "chat-async")) {
        Span span = only(all, scenario, SCOPE);
        OpenAiFixtures.assertChatCompletion(span);
        assertThat(string(span, "openai.api.type")).contains("chat_completions");
        assertThat(string(span, "openai.request.service_tier")).contains("default");
        assertThat(string(span, "openai.response.service_tier")).contains("default");
      }
      for (String scenario : List.of("chat-stream", "chat-async-stream")) {
        Span span = only(all, scenario, SCOPE);
        assertThat(bool(span, "gen_ai.request.stream")).contains(true);
        assertThat(string(span, "gen_ai.response.id"))
            .contains("chatcmpl-CRa8pLq2xT7bN0dVf5kYw3mZ1sHgE");
        assertThat(strings(span, "gen_ai.response.finish_reasons")).containsExactly("stop");
        assertThat(integer(span, "gen_ai.usage.input_tokens")).contains(2310L);
        assertThat(integer(span, "gen_ai.usage.output_tokens")).contains(7L);
        assertThat(integer(span, "gen_ai.usage.cache_read.input_tokens")).contains(2048L);
        assertThat(integer(span, "costtrace.gen_ai.time_to_first_token_ns")).isPresent();
      }
      // The Responses API spans are ours in either case.
      assertThat(integer(only(all, "responses-sync", SCOPE), "gen_ai.usage.input_tokens"))
          .contains(1536L);
      assertThat(all).filteredOn(s -> s.scope().equals(HTTP_SCOPE)).isEmpty();
    }
  }

  private static java.util.Optional<Boolean> bool(Span span, String key) {
    return OtlpTestBackend.attribute(span, key)
        .filter(io.opentelemetry.proto.common.v1.AnyValue::hasBoolValue)
        .map(io.opentelemetry.proto.common.v1.AnyValue::getBoolValue);
  }

  @Test
  void noHttpLevelSpanUnderAnySdkCall() {
    assertThat(spans).filteredOn(s -> s.scope().equals(HTTP_SCOPE)).isEmpty();
  }

  @Test
  void responsesSpansArePricedExactlyBySpanPricer() {
    try (SpanPricer pricer = SpanPricer.builder().build()) {
      PricedSpan sync = pricer.price(only("responses-sync"), List.of());
      assertThat(sync.status()).isEqualTo(PricingStatus.PRICED);
      // o4-mini: 256 uncached x 1.10 + 1280 cached x 0.275 + 212 output x 4.40 USD per million
      assertThat(sync.total()).isEqualByComparingTo(new BigDecimal("0.0015664"));
      PricedSpan stream = pricer.price(only("responses-stream"), List.of());
      // 102 x 1.10 + 2048 x 0.275 + 96 x 4.40 per million
      assertThat(stream.total()).isEqualByComparingTo(new BigDecimal("0.0010978"));
      assertThat(pricer.price(only("responses-error"), List.of()).status())
          .isEqualTo(PricingStatus.NO_USAGE);
    }
  }

  @Test
  void failingHooksChangeNothingTheAppSeesAndStillMakeOneSpanPerCall() throws Exception {
    try (OtlpTestBackend failing = new OtlpTestBackend()) {
      List<String> failed =
          run(failing, AgentProcess.fullClasspath(), AgentProcess.faults(), "all");
      assertThat(results(failed)).isEqualTo(results(out));
      assertThat(AgentProcess.faultContained(failed)).isTrue();
      List<ScopedSpan> all = awaitScenarios(failing, SCENARIOS);
      only(all, "responses-sync", SCOPE);
      only(all, "responses-stream", SCOPE);
    }
  }

  @Test
  void olderSdkVersionGetsTheSameSpansAndTheSameAppOutput() throws Exception {
    String older = AgentProcess.classpathWithOlderOpenAi();
    try (OtlpTestBackend backend = new OtlpTestBackend();
        OtlpTestBackend none = new OtlpTestBackend()) {
      List<String> with = run(backend, older, List.of(), "core");
      List<String> without =
          AgentProcess.run(
              false,
              none.endpoint(),
              older,
              List.of(),
              OpenAiSdkTestApp.class,
              vendor.baseUrl("127.0.0.1"),
              "core");
      assertThat(results(with))
          .as("openai-java " + System.getProperty("costtrace.test.openai-older.version"))
          .hasSize(CORE_SCENARIOS)
          .isEqualTo(results(without));
      assertThat(AgentProcess.result(with, "responses-sync"))
          .isEqualTo(AgentProcess.result(out, "responses-sync"));
      List<ScopedSpan> all = awaitScenarios(backend, CORE_SCENARIOS);
      for (String scenario :
          List.of("responses-sync", "responses-stream", "responses-async-stream")) {
        Span oldSpan = only(all, scenario, SCOPE);
        Span newSpan = only(scenario);
        for (String key :
            List.of(
                "gen_ai.request.model",
                "gen_ai.response.model",
                "gen_ai.response.id",
                "openai.response.service_tier",
                "gen_ai.usage.input_tokens",
                "gen_ai.usage.output_tokens",
                "gen_ai.usage.cache_read.input_tokens",
                "gen_ai.usage.reasoning.output_tokens",
                "server.address",
                "server.port")) {
          assertThat(OtlpTestBackend.attribute(oldSpan, key))
              .as(scenario + " " + key)
              .isPresent()
              .isEqualTo(OtlpTestBackend.attribute(newSpan, key));
        }
      }
      Span chat = only(all, "chat-stream", UPSTREAM_SCOPE);
      assertThat(integer(chat, "costtrace.gen_ai.time_to_first_token_ns")).isPresent();
      assertThat(all).filteredOn(s -> s.scope().equals(HTTP_SCOPE)).isEmpty();
    }
  }
}
