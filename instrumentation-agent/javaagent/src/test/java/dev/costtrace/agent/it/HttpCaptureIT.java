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
import java.math.BigDecimal;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * OpenAI-compatible HTTP capture over OkHttp, end to end: {@link HttpCaptureTestApp} in a separate
 * JVM with the built agent, against recorded vendor responses (JSON, SSE, Responses API,
 * embeddings, 429 then 200, an error, a malformed body), spans over OTLP asserted attribute by
 * attribute and priced by the project's own {@link SpanPricer}.
 */
class HttpCaptureIT {
  private static final String SCOPE = "dev.costtrace.agent.http";

  private static VendorReplayServer vendor;
  private static OtlpTestBackend otlp;
  private static List<String> out;
  private static List<ScopedSpan> spans;

  @BeforeAll
  static void runAppOnce() throws Exception {
    vendor = new VendorReplayServer();
    otlp = new OtlpTestBackend();
    out =
        AgentProcess.run(
            otlp.endpoint(),
            AgentProcess.fullClasspath(),
            List.of("-Dcosttrace.agent.http.hosts=127.0.0.1"),
            HttpCaptureTestApp.class,
            vendor.baseUrl("127.0.0.1"),
            vendor.baseUrl("localhost"),
            "with-sdk");
    spans =
        otlp.await(
            all ->
                all.stream().filter(s -> s.span().getName().startsWith("scenario ")).count() >= 18);
  }

  @AfterAll
  static void stop() {
    vendor.close();
    otlp.close();
  }

  private static String digestOf(String fixture) throws Exception {
    byte[] b = VendorReplayServer.fixture(fixture);
    return b.length + " " + HttpCaptureTestApp.sha256(b);
  }

  /** The one gen_ai span of a scenario (fails if there are none or several). */
  private static Span only(String scenario) {
    List<ScopedSpan> children = genAi(scenario);
    assertThat(children).as(scenario + ": gen_ai spans").hasSize(1);
    return children.get(0).span();
  }

  private static List<ScopedSpan> genAi(String scenario) {
    return OtlpTestBackend.genAiOfScenario(spans, scenario);
  }

  @Test
  void jsonChatBodyIsUnchangedAndSpanCarriesUsage() throws Exception {
    assertThat(AgentProcess.result(out, "okhttp-json"))
        .isEqualTo("200 " + digestOf("fixtures/openai/chat-completion.json"));
    Span span = only("okhttp-json");
    assertThat(genAi("okhttp-json").get(0).scope()).isEqualTo(SCOPE);
    OpenAiFixtures.assertChatCompletion(span);
    assertThat(string(span, "server.address")).contains("127.0.0.1");
    assertThat(string(span, "error.type")).isEmpty();
    assertThat(integer(span, "costtrace.gen_ai.time_to_first_token_ns")).isEmpty();
  }

  @Test
  void sseChatStreamIsUnchangedAndUsageComesFromTheLastChunk() throws Exception {
    assertThat(AgentProcess.result(out, "okhttp-sse"))
        .isEqualTo("200 " + digestOf("fixtures/openai-compatible/chat-completion-stream.sse"));
    Span span = only("okhttp-sse");
    assertThat(string(span, "gen_ai.response.id"))
        .contains("chatcmpl-CRa8pLq2xT7bN0dVf5kYw3mZ1sHgE");
    assertThat(strings(span, "gen_ai.response.finish_reasons")).containsExactly("stop");
    assertThat(integer(span, "gen_ai.usage.input_tokens")).contains(2310L);
    assertThat(integer(span, "gen_ai.usage.output_tokens")).contains(7L);
    assertThat(integer(span, "gen_ai.usage.cache_read.input_tokens")).contains(2048L);
    long ttft = integer(span, "costtrace.gen_ai.time_to_first_token_ns").orElseThrow();
    assertThat(ttft)
        .isPositive()
        .isLessThanOrEqualTo(span.getEndTimeUnixNano() - span.getStartTimeUnixNano());
  }

  @Test
  void responsesApiStreamAndEmbeddings() throws Exception {
    assertThat(AgentProcess.result(out, "okhttp-responses-sse"))
        .isEqualTo("200 " + digestOf("fixtures/openai-compatible/responses-stream.sse"));
    Span responses = only("okhttp-responses-sse");
    assertThat(string(responses, "gen_ai.operation.name")).contains("chat");
    assertThat(string(responses, "gen_ai.request.model")).contains("gpt-4.1-mini");
    assertThat(string(responses, "gen_ai.response.model")).contains("gpt-4.1-mini-2025-04-14");
    assertThat(integer(responses, "gen_ai.usage.input_tokens")).contains(41L);
    assertThat(integer(responses, "gen_ai.usage.output_tokens")).contains(8L);

    assertThat(AgentProcess.result(out, "okhttp-embeddings"))
        .isEqualTo("200 " + digestOf("fixtures/openai-compatible/embeddings.json"));
    Span embeddings = only("okhttp-embeddings");
    assertThat(string(embeddings, "gen_ai.operation.name")).contains("embeddings");
    assertThat(integer(embeddings, "gen_ai.usage.input_tokens")).contains(8L);
    assertThat(integer(embeddings, "gen_ai.usage.output_tokens")).isEmpty();
  }

  @Test
  void rateLimitedAttemptAndItsRetryAreOneSpanEachOnlyTheSuccessHasUsage() throws Exception {
    assertThat(AgentProcess.result(out, "okhttp-429-then-200"))
        .isEqualTo(
            "429 "
                + digestOf("fixtures/openai-compatible/error-429.json")
                + " | 200 "
                + digestOf("fixtures/openai/chat-completion.json"));
    List<ScopedSpan> attempts = genAi("okhttp-429-then-200");
    assertThat(attempts).hasSize(2);
    Span limited =
        attempts.stream()
            .map(ScopedSpan::span)
            .filter(s -> string(s, "error.type").isPresent())
            .findFirst()
            .orElseThrow();
    assertThat(string(limited, "error.type")).contains("429");
    assertThat(limited.getStatus().getCode().getNumber()).isEqualTo(2); // STATUS_CODE_ERROR
    assertThat(integer(limited, "gen_ai.usage.input_tokens")).isEmpty();
    Span ok =
        attempts.stream()
            .map(ScopedSpan::span)
            .filter(s -> string(s, "error.type").isEmpty())
            .findFirst()
            .orElseThrow();
    assertThat(integer(ok, "gen_ai.usage.input_tokens")).contains(1342L);
  }

  @Test
  void errorAndMalformedBodiesReachTheAppUnchanged() throws Exception {
    assertThat(AgentProcess.result(out, "okhttp-error"))
        .isEqualTo("404 " + digestOf("fixtures/openai-compatible/error-model-not-found.json"));
    Span error = only("okhttp-error");
    assertThat(string(error, "error.type")).contains("404");
    assertThat(integer(error, "gen_ai.usage.input_tokens")).isEmpty();

    byte[] malformed = VendorReplayServer.MALFORMED;
    assertThat(AgentProcess.result(out, "okhttp-malformed"))
        .isEqualTo("200 " + malformed.length + " " + HttpCaptureTestApp.sha256(malformed));
    Span broken = only("okhttp-malformed");
    assertThat(integer(broken, "gen_ai.usage.input_tokens")).isEmpty();
    assertThat(string(broken, "gen_ai.response.id")).isEmpty();
  }

  @Test
  void streamClosedEarlyStillEndsItsSpan() {
    assertThat(AgentProcess.result(out, "okhttp-closed-early")).startsWith("200 read ");
    Span span = only("okhttp-closed-early");
    assertThat(span.getEndTimeUnixNano()).isGreaterThan(span.getStartTimeUnixNano());
  }

  @Test
  void unlistedHostGetsNoGenAiSpan() throws Exception {
    assertThat(AgentProcess.result(out, "okhttp-unlisted-host"))
        .isEqualTo("200 " + digestOf("fixtures/openai/chat-completion.json"));
    assertThat(genAi("okhttp-unlisted-host")).isEmpty();
  }

  @Test
  void openAiSdkCallOverOkHttpIsOneSpanTheSdkLayers() {
    assertThat(AgentProcess.result(out, "openai-sdk"))
        .isEqualTo("chatcmpl-CQ3tXk9vY2aLrB7mN4pE1sQ8wZ0dF 1342");
    List<ScopedSpan> sdk = genAi("openai-sdk");
    assertThat(sdk).hasSize(1);
    assertThat(sdk.get(0).scope()).isNotEqualTo(SCOPE);
    // ... and nowhere below it either: our layer made no span for that HTTP request.
    com.google.protobuf.ByteString traceId = sdk.get(0).span().getTraceId();
    assertThat(spans)
        .filteredOn(s -> s.span().getTraceId().equals(traceId) && s.scope().equals(SCOPE))
        .isEmpty();
  }

  @Test
  void jdkHttpClientJsonSseRetryAndMalformedBodies() throws Exception {
    assertThat(AgentProcess.result(out, "jdk-json"))
        .isEqualTo("200 " + digestOf("fixtures/openai/chat-completion.json"));
    Span json = only("jdk-json");
    assertThat(genAi("jdk-json").get(0).scope()).isEqualTo(SCOPE);
    assertThat(string(json, "gen_ai.request.model")).contains("gpt-4o-mini");
    assertThat(string(json, "gen_ai.response.id"))
        .contains("chatcmpl-CQ3tXk9vY2aLrB7mN4pE1sQ8wZ0dF");
    assertThat(integer(json, "gen_ai.usage.input_tokens")).contains(1342L);
    assertThat(integer(json, "gen_ai.usage.cache_read.input_tokens")).contains(1024L);
    assertThat(integer(json, "gen_ai.usage.output_tokens")).contains(9L);

    assertThat(AgentProcess.result(out, "jdk-sse"))
        .isEqualTo("200 " + digestOf("fixtures/openai-compatible/chat-completion-stream.sse"));
    Span sse = only("jdk-sse");
    assertThat(integer(sse, "gen_ai.usage.input_tokens")).contains(2310L);
    assertThat(integer(sse, "gen_ai.usage.output_tokens")).contains(7L);
    assertThat(integer(sse, "costtrace.gen_ai.time_to_first_token_ns")).isPresent();

    assertThat(AgentProcess.result(out, "jdk-429-then-200"))
        .isEqualTo(
            "429 "
                + digestOf("fixtures/openai-compatible/error-429.json")
                + " | 200 "
                + digestOf("fixtures/openai/chat-completion.json"));
    List<ScopedSpan> attempts = genAi("jdk-429-then-200");
    assertThat(attempts).hasSize(2);
    assertThat(attempts)
        .extracting(s -> string(s.span(), "error.type").orElse("none"))
        .containsExactlyInAnyOrder("429", "none");

    byte[] malformed = VendorReplayServer.MALFORMED;
    assertThat(AgentProcess.result(out, "jdk-malformed"))
        .isEqualTo("200 " + malformed.length + " " + HttpCaptureTestApp.sha256(malformed));
    assertThat(integer(only("jdk-malformed"), "gen_ai.usage.input_tokens")).isEmpty();
  }

  @Test
  void callUnderAFrameworkGenAiSpanIsNotDoubled() throws Exception {
    for (String scenario : List.of("okhttp-under-genai-span", "jdk-under-genai-span")) {
      assertThat(AgentProcess.result(out, scenario))
          .isEqualTo("200 " + digestOf("fixtures/openai/chat-completion.json"));
      List<ScopedSpan> genAi = genAi(scenario);
      assertThat(genAi).as(scenario).hasSize(1);
      assertThat(genAi.get(0).scope()).as(scenario).isEqualTo("test-framework");
    }
  }

  @Test
  void asyncOkHttpCallIsCapturedOnTheDispatcherThread() throws Exception {
    assertThat(AgentProcess.result(out, "okhttp-async"))
        .isEqualTo("200 " + digestOf("fixtures/openai-compatible/chat-completion-stream.sse"));
    Span span = only("okhttp-async");
    assertThat(integer(span, "gen_ai.usage.input_tokens")).contains(2310L);
    assertThat(integer(span, "gen_ai.usage.output_tokens")).contains(7L);
  }

  @Test
  void asyncOpenAiSdkCallIsOneSpanInItsTrace() {
    assertThat(AgentProcess.result(out, "openai-sdk-async"))
        .isEqualTo("chatcmpl-CQ3tXk9vY2aLrB7mN4pE1sQ8wZ0dF 1342");
    Span parent =
        spans.stream()
            .map(ScopedSpan::span)
            .filter(s -> s.getName().equals("scenario openai-sdk-async"))
            .findFirst()
            .orElseThrow();
    assertThat(spans)
        .filteredOn(s -> s.span().getTraceId().equals(parent.getTraceId()))
        .filteredOn(s -> string(s.span(), "gen_ai.operation.name").isPresent())
        .hasSize(1)
        .allSatisfy(s -> assertThat(s.scope()).isNotEqualTo(SCOPE));
  }

  @Test
  void spansArePricedExactlyBySpanPricer() {
    try (SpanPricer pricer = SpanPricer.builder().build()) {
      PricedSpan json = pricer.price(only("okhttp-json"), List.of());
      assertThat(json.status()).isEqualTo(PricingStatus.PRICED);
      // 318 uncached x 0.15 + 1024 cached x 0.075 + 9 output x 0.60 USD per million tokens
      assertThat(json.total()).isEqualByComparingTo(new BigDecimal("0.0001299"));
      PricedSpan stream = pricer.price(only("okhttp-sse"), List.of());
      // 262 x 0.15 + 2048 x 0.075 + 7 x 0.60 per million
      assertThat(stream.total()).isEqualByComparingTo(new BigDecimal("0.0001971"));
      PricedSpan limited =
          pricer.price(
              genAi("okhttp-429-then-200").stream()
                  .map(ScopedSpan::span)
                  .filter(s -> string(s, "error.type").isPresent())
                  .findFirst()
                  .orElseThrow(),
              List.of());
      assertThat(limited.status()).isEqualTo(PricingStatus.NO_USAGE);
    }
  }

  @Test
  void failingCaptureHooksChangeNothingTheAppSees() throws Exception {
    try (OtlpTestBackend quiet = new OtlpTestBackend()) {
      List<String> failing =
          AgentProcess.run(
              quiet.endpoint(),
              AgentProcess.fullClasspath(),
              java.util.stream.Stream.concat(
                      java.util.stream.Stream.of("-Dcosttrace.agent.http.hosts=127.0.0.1"),
                      AgentProcess.faults().stream())
                  .collect(java.util.stream.Collectors.toList()),
              HttpCaptureTestApp.class,
              vendor.baseUrl("127.0.0.1"),
              vendor.baseUrl("localhost"));
      for (String scenario :
          List.of(
              "okhttp-json",
              "okhttp-sse",
              "okhttp-responses-sse",
              "okhttp-embeddings",
              "okhttp-error",
              "okhttp-malformed",
              "okhttp-async",
              "jdk-json",
              "jdk-sse",
              "jdk-malformed")) {
        assertThat(AgentProcess.result(failing, scenario))
            .as(scenario)
            .isEqualTo(AgentProcess.result(out, scenario));
      }
      assertThat(AgentProcess.faultContained(failing)).isTrue();
    }
  }
}
