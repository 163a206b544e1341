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
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Google Gen AI Java SDK end to end: {@link GoogleGenAiTestApp} in a separate JVM with the
 * built agent, the real SDK (the pinned newest and the oldest claimed, 1.0.0) against the Gemini
 * API and Vertex AI recordings replayed by {@link VendorReplayServer}; one app JVM per SDK version
 * runs every scenario, and the same app runs without the agent for the byte-for-byte comparison.
 */
class GoogleGenAiIT {
  private static final String SCOPE = "dev.costtrace.google-genai";
  private static final List<String> SCENARIOS =
      List.of(
          "gemini-sync",
          "gemini-async",
          "gemini-stream",
          "gemini-async-stream",
          "vertex-sync",
          "vertex-labels",
          "gemini-retry",
          "gemini-error");

  private static VendorReplayServer vendor;
  private static OtlpTestBackend otlp;
  private static List<String> newest;
  private static List<Span> newestSpans;

  @BeforeAll
  static void runNewest() throws Exception {
    vendor = new VendorReplayServer();
    otlp = new OtlpTestBackend();
    newest = run(true, AgentProcess.fullClasspath());
    newestSpans = spans(SCENARIOS.size());
  }

  @AfterAll
  static void stop() {
    vendor.close();
    otlp.close();
  }

  private static List<String> run(boolean agent, String classpath) throws Exception {
    return AgentProcess.run(
            agent,
            otlp.endpoint(),
            classpath,
            List.of(),
            GoogleGenAiTestApp.class,
            vendor.rootUrl())
        .stream()
        .filter(l -> l.startsWith("RESULT "))
        .collect(Collectors.toList());
  }

  /** Our spans so far (the app JVM has exited: the agent flushed them all), then cleared. */
  private static List<Span> spans(int expected) throws InterruptedException {
    List<Span> ours =
        otlp
            .await(s -> s.stream().filter(x -> x.scope().equals(SCOPE)).count() >= expected)
            .stream()
            .filter(s -> s.scope().equals(SCOPE))
            .map(ScopedSpan::span)
            .collect(Collectors.toList());
    otlp.clear();
    return ours;
  }

  private static String oldestClasspath() throws Exception {
    return AgentProcess.classpathSwapping(
        "/com/google/genai/",
        Path.of(System.getProperty("costtrace.test.google-genai-oldest.dir")));
  }

  private static String conversation(Span span) {
    return string(span, "gen_ai.conversation.id").orElse("");
  }

  private static Span of(List<Span> spans, String conversation) {
    List<Span> found =
        spans.stream()
            .filter(s -> conversation(s).equals(conversation))
            .collect(Collectors.toList());
    assertThat(found).as("spans of " + conversation + " in " + spans).hasSize(1);
    return found.get(0);
  }

  @Test
  void theAppSeesTheSameWithAndWithoutTheAgent() throws Exception {
    assertThat(newest)
        .hasSize(SCENARIOS.size())
        .isEqualTo(run(false, AgentProcess.fullClasspath()));
    assertThat(newest)
        .contains(
            "RESULT gemini-sync mL0yacP8LqGvz7IPy8-k4Qs gemini-2.5-flash Paris is the capital of France. 4213/58",
            "RESULT gemini-stream Paris is the capital of France.",
            "RESULT gemini-async-stream Paris is the capital of France.",
            "RESULT gemini-retry mL0yacP8LqGvz7IPy8-k4Qs gemini-2.5-flash Paris is the capital of France. 4213/58",
            "RESULT gemini-error error com.google.genai.errors.ClientException");
  }

  @Test
  void everyCallIsOneSpanWithUsageCacheAndThinkingTokens() {
    // Exactly one gen_ai span per call: eight calls, eight spans, one per conversation.
    assertThat(newestSpans).hasSize(SCENARIOS.size());
    for (String scenario : List.of("gemini-sync", "gemini-async", "gemini-retry")) {
      Span span = of(newestSpans, "conv-" + scenario);
      // The retry scenario asks for model gemini-retry (the replay's 429-once model).
      String model = scenario.equals("gemini-retry") ? "gemini-retry" : "gemini-2.5-flash";
      assertThat(span.getName()).isEqualTo("chat " + model);
      assertThat(span.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
      assertThat(string(span, "gen_ai.provider.name")).contains("gcp.gemini");
      assertThat(string(span, "gen_ai.operation.name")).contains("chat");
      assertThat(string(span, "gen_ai.request.model")).contains(model);
      assertThat(integer(span, "gen_ai.request.max_tokens")).contains(1024L);
      assertThat(string(span, "gen_ai.response.model")).contains("gemini-2.5-flash");
      assertThat(string(span, "gen_ai.response.id")).contains("mL0yacP8LqGvz7IPy8-k4Qs");
      assertThat(strings(span, "gen_ai.response.finish_reasons")).containsExactly("stop");
      // Prompt (cached content included) as input; candidates + thinking as output.
      assertThat(integer(span, "gen_ai.usage.input_tokens")).contains(4213L);
      assertThat(integer(span, "gen_ai.usage.output_tokens")).contains(58L + 312L);
      assertThat(integer(span, "gen_ai.usage.cache_read.input_tokens")).contains(4096L);
      assertThat(integer(span, "gen_ai.usage.reasoning.output_tokens")).contains(312L);
      assertThat(integer(span, "gen_ai.usage.cache_creation.input_tokens")).isEmpty();
      assertThat(string(span, "server.address")).contains("127.0.0.1");
      assertThat(integer(span, "server.port")).contains((long) vendor.port());
      assertThat(attributeCount(span, "gen_ai.request.stream")).isZero();
      assertThat(string(span, "error.type")).isEmpty();
      assertThat(span.getStatus().getCode()).isNotEqualTo(StatusCode.STATUS_CODE_ERROR);
    }
    for (String scenario : List.of("gemini-stream", "gemini-async-stream")) {
      Span span = of(newestSpans, "conv-" + scenario);
      assertThat(span.getName()).isEqualTo("chat gemini-2.5-flash");
      assertThat(string(span, "gen_ai.provider.name")).contains("gcp.gemini");
      assertThat(
              OtlpTestBackend.attribute(span, "gen_ai.request.stream").map(v -> v.getBoolValue()))
          .contains(true);
      assertThat(string(span, "gen_ai.response.id")).contains("sP0yacLxBraWz7IP3uXM-AE");
      assertThat(strings(span, "gen_ai.response.finish_reasons")).containsExactly("stop");
      // The last chunk's cumulative usage.
      assertThat(integer(span, "gen_ai.usage.input_tokens")).contains(2061L);
      assertThat(integer(span, "gen_ai.usage.output_tokens")).contains(7L + 184L);
      assertThat(integer(span, "gen_ai.usage.cache_read.input_tokens")).contains(2048L);
      assertThat(integer(span, "gen_ai.usage.reasoning.output_tokens")).contains(184L);
      long duration = span.getEndTimeUnixNano() - span.getStartTimeUnixNano();
      assertThat(integer(span, "costtrace.gen_ai.time_to_first_token_ns"))
          .hasValueSatisfying(ns -> assertThat(ns).isPositive().isLessThanOrEqualTo(duration));
    }
    Span vertex = of(newestSpans, "conv-vertex-sync"); // app baggage wins over the request's labels
    assertThat(string(vertex, "gen_ai.provider.name")).contains("gcp.vertex_ai");
    assertThat(string(vertex, "gen_ai.response.id")).contains("Q_kyacbWHfOmmecPkq3B2Q8");
    assertThat(integer(vertex, "gen_ai.usage.input_tokens")).contains(4213L);
    assertThat(integer(vertex, "gen_ai.usage.cache_read.input_tokens")).contains(4096L);
    assertThat(string(vertex, "server.address")).contains("127.0.0.1");
    Span labels = of(newestSpans, "conv-vertex-labels-7"); // no baggage: the labels' ID
    assertThat(string(labels, "gen_ai.provider.name")).contains("gcp.vertex_ai");
    Span error = of(newestSpans, "conv-gemini-error");
    assertThat(string(error, "gen_ai.request.model")).contains("gemini-0.9-nonexistent");
    assertThat(string(error, "error.type")).contains("com.google.genai.errors.ClientException");
    assertThat(error.getStatus().getCode()).isEqualTo(StatusCode.STATUS_CODE_ERROR);
    assertThat(integer(error, "gen_ai.usage.input_tokens")).isEmpty();
  }

  @Test
  void spansArePricedBySpanPricer() {
    try (SpanPricer pricer = SpanPricer.builder().build()) {
      PricedSpan sync = pricer.price(of(newestSpans, "conv-gemini-sync"), List.of());
      assertThat(sync.status()).isEqualTo(PricingStatus.PRICED);
      // gemini-2.5-flash: 117 uncached x 0.30 + 4,096 cached x 0.03 + 370 output x 2.50 per million
      assertThat(sync.total()).isEqualByComparingTo(new BigDecimal("0.00108298"));
      PricedSpan vertex = pricer.price(of(newestSpans, "conv-vertex-sync"), List.of());
      assertThat(vertex.total()).isEqualByComparingTo(new BigDecimal("0.00108298"));
      PricedSpan stream = pricer.price(of(newestSpans, "conv-gemini-stream"), List.of());
      // 13 x 0.30 + 2,048 x 0.03 + 191 x 2.50 per million
      assertThat(stream.total()).isEqualByComparingTo(new BigDecimal("0.00054284"));
      assertThat(pricer.price(of(newestSpans, "conv-gemini-error"), List.of()).status())
          .isEqualTo(PricingStatus.NO_USAGE);
    }
  }

  @Test
  void theOldestClaimedSdkGetsTheSameSpans() throws Exception {
    String classpath = oldestClasspath();
    List<String> withAgent = run(true, classpath);
    List<Span> spans = spans(SCENARIOS.size() - 1);
    assertThat(withAgent).hasSize(SCENARIOS.size()).isEqualTo(run(false, classpath));
    // 1.0.0 has no retry options: the app makes no call there.
    assertThat(withAgent).contains("RESULT gemini-retry retry-unsupported");
    assertThat(spans).hasSize(SCENARIOS.size() - 1);
    Span sync = of(spans, "conv-gemini-sync");
    assertThat(string(sync, "gen_ai.provider.name")).contains("gcp.gemini");
    assertThat(integer(sync, "gen_ai.usage.input_tokens")).contains(4213L);
    assertThat(integer(sync, "gen_ai.usage.output_tokens")).contains(370L);
    assertThat(integer(sync, "gen_ai.usage.cache_read.input_tokens")).contains(4096L);
    assertThat(integer(sync, "gen_ai.usage.reasoning.output_tokens")).contains(312L);
    assertThat(string(sync, "server.address")).contains("127.0.0.1");
    Span stream = of(spans, "conv-gemini-stream");
    assertThat(integer(stream, "gen_ai.usage.input_tokens")).contains(2061L);
    assertThat(integer(stream, "costtrace.gen_ai.time_to_first_token_ns")).isPresent();
    assertThat(string(of(spans, "conv-vertex-sync"), "gen_ai.provider.name"))
        .contains("gcp.vertex_ai");
    assertThat(string(of(spans, "conv-gemini-error"), "error.type"))
        .contains("com.google.genai.errors.ClientException");
    for (String scenario : List.of("gemini-async", "gemini-async-stream")) {
      assertThat(integer(of(spans, "conv-" + scenario), "gen_ai.usage.input_tokens")).isPresent();
    }
  }

  private static long attributeCount(Span span, String key) {
    return span.getAttributesList().stream().filter(kv -> kv.getKey().equals(key)).count();
  }
}
