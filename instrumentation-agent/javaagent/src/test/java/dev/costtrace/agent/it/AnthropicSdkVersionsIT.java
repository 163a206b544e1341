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
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The Anthropic scenarios of {@link AnthropicCalls} (sync, async, stream, async stream, 429 then
 * success, 400, malformed usage) against each tested anthropic-java version, each in its own app
 * JVM whose class path holds that version's SDK jars, with the built agent and without it. 3.x
 * traces its own calls with the OpenTelemetry it finds (on by default): every span the app
 * exported, whatever its scope, is counted and priced, so a second gen_ai span from the SDK would
 * show.
 */
class AnthropicSdkVersionsIT {
  private static final String SCOPE = "dev.costtrace.anthropic-java";

  private static VendorReplayServer vendor;
  private static OtlpTestBackend otlp;

  @BeforeAll
  static void startServers() throws IOException {
    vendor = new VendorReplayServer();
    otlp = new OtlpTestBackend();
  }

  @AfterAll
  static void stopServers() {
    vendor.close();
    otlp.close();
  }

  /** Every version the build copied (2.0.0, the oldest and newest 3.x, the pinned one). */
  static Stream<String> versions() throws IOException {
    try (Stream<Path> dirs =
        Files.list(Path.of(System.getProperty("costtrace.test.anthropic.versions.dir")))) {
      List<String> versions =
          dirs.map(d -> d.getFileName().toString()).sorted().collect(Collectors.toList());
      assertThat(versions).hasSize(4);
      return versions.stream();
    }
  }

  /** 2.x has no {@code Usage.cacheCreation()}: there the 5m/1h split is not recorded. */
  private static boolean hasCacheCreationSplit(String version) {
    return !version.startsWith("2.");
  }

  private static List<String> results(List<String> lines) {
    return lines.stream().filter(l -> l.startsWith("RESULT ")).collect(Collectors.toList());
  }

  private static List<String> run(boolean agent, String version) throws Exception {
    return results(
        AgentProcess.run(
            agent,
            otlp.endpoint(),
            AgentProcess.classpathWithAnthropic(version),
            List.of(),
            AgentTestApp.class,
            "anthropic",
            vendor.anthropicBaseUrl()));
  }

  /**
   * Every span the app exported, of every scope. The app's JVM has exited: the agent flushed its
   * spans on shutdown, so none can arrive later.
   */
  private static List<ScopedSpan> allSpans(int ours) throws InterruptedException {
    return otlp.await(s -> s.stream().filter(x -> x.scope().equals(SCOPE)).count() >= ours);
  }

  @ParameterizedTest(name = "anthropic-java {0}")
  @MethodSource("versions")
  void everyScenarioMakesOneCompleteSpanAndChangesNothing(String version) throws Exception {
    otlp.clear();
    List<String> withAgent = run(true, version);
    List<String> withoutAgent = run(false, version);
    // What the app sees is the same with and without the agent, malformed response included.
    assertThat(withAgent).hasSize(7).isEqualTo(withoutAgent);
    assertThat(withAgent)
        .contains(
            "RESULT anthropic-sync msg_01XFDUDYJgAACzvnptvVoYEL claude-sonnet-4-5-20250929 end_turn 21/12",
            "RESULT anthropic-stream Paris is the capital of France.",
            "RESULT anthropic-async-stream Paris is the capital of France.",
            "RESULT anthropic-error error com.anthropic.errors.BadRequestException");
    assertThat(withAgent.get(6)).startsWith("RESULT anthropic-malformed msg_01Malformed9xQ2 ");

    List<ScopedSpan> all = allSpans(7);
    // Exactly one gen_ai span per call, of any scope: seven calls, seven spans, all ours (the SDK's
    // own tracing makes none under ours), one per conversation.
    assertThat(all).filteredOn(s -> s.scope().startsWith("com.anthropic")).isEmpty();
    List<ScopedSpan> genAi =
        all.stream()
            .filter(s -> string(s.span(), "gen_ai.operation.name").isPresent())
            .collect(Collectors.toList());
    assertThat(genAi).allMatch(s -> s.scope().equals(SCOPE), "scope " + SCOPE).hasSize(7);
    List<Span> llm = genAi.stream().map(ScopedSpan::span).collect(Collectors.toList());
    for (String scenario :
        List.of("sync", "async", "stream", "async-stream", "retry", "error", "malformed")) {
      assertThat(llm)
          .filteredOn(s -> conversation(s).equals("conv-anthropic-" + scenario))
          .as(scenario)
          .hasSize(1);
    }
    for (String scenario : List.of("sync", "async")) {
      Span span = of(llm, scenario);
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
      if (hasCacheCreationSplit(version)) {
        assertThat(integer(span, "gen_ai.usage.cache_creation.ephemeral_5m_input_tokens"))
            .contains(1000L);
        assertThat(integer(span, "gen_ai.usage.cache_creation.ephemeral_1h_input_tokens"))
            .contains(3000L);
      } else {
        assertThat(integer(span, "gen_ai.usage.cache_creation.ephemeral_5m_input_tokens"))
            .isEmpty();
        assertThat(integer(span, "gen_ai.usage.cache_creation.ephemeral_1h_input_tokens"))
            .isEmpty();
      }
      assertThat(string(span, "anthropic.response.service_tier")).contains("standard");
      assertThat(string(span, "error.type")).isEmpty();
      assertThat(span.getStatus().getCode()).isNotEqualTo(StatusCode.STATUS_CODE_ERROR);
    }
    for (String scenario : List.of("stream", "async-stream")) {
      Span span = of(llm, scenario);
      assertThat(string(span, "gen_ai.response.id")).contains("msg_01StreamT4kq8V3bGZc2Lr9");
      assertThat(strings(span, "gen_ai.response.finish_reasons")).containsExactly("end_turn");
      assertThat(integer(span, "gen_ai.usage.input_tokens")).contains(2073L);
      assertThat(integer(span, "gen_ai.usage.output_tokens")).contains(15L);
      assertThat(integer(span, "gen_ai.usage.cache_read.input_tokens")).contains(2048L);
      long duration = span.getEndTimeUnixNano() - span.getStartTimeUnixNano();
      assertThat(integer(span, "costtrace.gen_ai.time_to_first_token_ns"))
          .hasValueSatisfying(ns -> assertThat(ns).isPositive().isLessThanOrEqualTo(duration));
    }
    Span retry = of(llm, "retry");
    assertThat(string(retry, "gen_ai.response.id")).contains("msg_01XFDUDYJgAACzvnptvVoYEL");
    assertThat(string(retry, "error.type")).isEmpty();
    Span error = of(llm, "error");
    assertThat(string(error, "error.type")).contains("com.anthropic.errors.BadRequestException");
    assertThat(error.getStatus().getCode()).isEqualTo(StatusCode.STATUS_CODE_ERROR);
    assertThat(string(error, "gen_ai.response.id")).isEmpty();
    Span malformed = of(llm, "malformed");
    assertThat(string(malformed, "gen_ai.request.model")).contains("claude-malformed");
    assertThat(integer(malformed, "gen_ai.usage.input_tokens")).isEmpty();

    try (SpanPricer pricer = SpanPricer.builder().build()) {
      // What the receiver would price: each call's cost once, from our span alone.
      List<PricedSpan> priced =
          all.stream()
              .map(s -> pricer.price(s.span(), List.of()))
              .filter(p -> p.status() != PricingStatus.NOT_APPLICABLE)
              .collect(Collectors.toList());
      assertThat(priced).hasSize(7);
      // claude-sonnet-4-5 per million: $3 input, $15 output, $0.30 cache read, $3.75 5-minute and
      // $6 1-hour cache write. 3.x: 21 uncached, 1500 read, 1000 + 3000 written, 12 out; 2.x has
      // no split: its 4000 writes are billed at the 5-minute rate.
      String sync = hasCacheCreationSplit(version) ? "0.022443" : "0.015693";
      for (String scenario : List.of("sync", "async", "retry")) {
        assertPrice(pricer, of(llm, scenario), sync);
      }
      // 25 uncached, 2048 read, 15 out.
      for (String scenario : List.of("stream", "async-stream")) {
        assertPrice(pricer, of(llm, scenario), "0.0009144");
      }
    }
  }

  private static void assertPrice(SpanPricer pricer, Span span, String usd) {
    PricedSpan priced = pricer.price(span, List.of());
    assertThat(priced.status()).as(priced.toString()).isEqualTo(PricingStatus.PRICED);
    assertThat(priced.total()).as(priced.toString()).isEqualByComparingTo(new BigDecimal(usd));
  }

  private static String conversation(Span span) {
    return string(span, "gen_ai.conversation.id").orElse("");
  }

  private static Span of(List<Span> spans, String scenario) {
    return spans.stream()
        .filter(s -> conversation(s).equals("conv-anthropic-" + scenario))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no span for " + scenario + ": " + spans));
  }
}
