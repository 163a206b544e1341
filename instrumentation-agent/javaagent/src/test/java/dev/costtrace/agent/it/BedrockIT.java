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
 * Amazon Bedrock Runtime through the real AWS SDK v2 client under the built agent: the upstream
 * {@code aws-sdk-2.2} instrumentation makes the one gen_ai span per call, and the CostTrace
 * extension adds to that same span the usage the receiver prices (cache read and write, semconv
 * input, exact InvokeModel counts for Anthropic, Meta Llama and Mistral). {@link BedrockTestApp}
 * runs every scenario in one app JVM; the same app runs without the agent for the comparison.
 */
class BedrockIT {
  private static final String UPSTREAM_SCOPE = "io.opentelemetry.aws-sdk-2.2";
  private static final int SCENARIOS = 7;

  private static VendorReplayServer vendor;
  private static OtlpTestBackend otlp;
  private static List<String> out;
  private static List<ScopedSpan> all;

  @BeforeAll
  static void runApp() throws Exception {
    vendor = new VendorReplayServer();
    otlp = new OtlpTestBackend();
    out = run(true);
    all = otlp.await(s -> genAi(s).size() >= SCENARIOS);
  }

  @AfterAll
  static void stop() {
    vendor.close();
    otlp.close();
  }

  private static List<String> run(boolean agent) throws Exception {
    return run(agent, otlp, AgentProcess.fullClasspath());
  }

  private static List<String> run(boolean agent, OtlpTestBackend backend, String classpath)
      throws Exception {
    return AgentProcess.run(
            agent, backend.endpoint(), classpath, List.of(), BedrockTestApp.class, vendor.rootUrl())
        .stream()
        .filter(l -> l.startsWith("RESULT "))
        .collect(Collectors.toList());
  }

  private static List<ScopedSpan> genAi(List<ScopedSpan> spans) {
    return spans.stream()
        .filter(s -> string(s.span(), "gen_ai.operation.name").isPresent())
        .collect(Collectors.toList());
  }

  /** The one gen_ai span of a scenario (by its conversation): upstream's, no second one. */
  private static Span of(String scenario) {
    return of(all, scenario);
  }

  private static Span of(List<ScopedSpan> spans, String scenario) {
    List<ScopedSpan> found =
        genAi(spans).stream()
            .filter(
                s ->
                    string(s.span(), "gen_ai.conversation.id")
                        .orElse("")
                        .equals("conv-bedrock-" + scenario))
            .collect(Collectors.toList());
    assertThat(found).as(scenario + ": gen_ai spans").hasSize(1);
    assertThat(found.get(0).scope()).as(scenario + ": scope").isEqualTo(UPSTREAM_SCOPE);
    return found.get(0).span();
  }

  @Test
  void theAppSeesTheSameWithAndWithoutTheAgent() throws Exception {
    assertThat(out).hasSize(SCENARIOS).isEqualTo(run(false));
    assertThat(out)
        .contains(
            "RESULT converse end_turn The capital of France is Paris. 24/180",
            "RESULT converse-stream The capital of France is Paris.",
            "RESULT retry end_turn The capital of France is Paris. 24/180",
            "RESULT error error software.amazon.awssdk.services.bedrockruntime.model.ValidationException");
  }

  @Test
  void everyCallIsOneUpstreamSpanExtendedWithCacheUsage() {
    assertThat(genAi(all)).hasSize(SCENARIOS);
    for (String scenario : List.of("converse", "retry")) {
      Span span = of(scenario);
      assertThat(span.getName()).isEqualTo("chat " + BedrockTestApp.CLAUDE);
      assertThat(span.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
      assertThat(string(span, "gen_ai.provider.name")).contains("aws.bedrock");
      assertThat(string(span, "gen_ai.request.model")).contains(BedrockTestApp.CLAUDE);
      assertThat(integer(span, "gen_ai.request.max_tokens")).contains(512L);
      assertThat(strings(span, "gen_ai.response.finish_reasons")).containsExactly("end_turn");
      // Semconv input: 24 uncached + 3,072 read + 1,024 written (upstream alone wrote 24).
      assertThat(integer(span, "gen_ai.usage.input_tokens")).contains(4120L);
      assertThat(integer(span, "gen_ai.usage.output_tokens")).contains(180L);
      assertThat(integer(span, "gen_ai.usage.cache_read.input_tokens")).contains(3072L);
      assertThat(integer(span, "gen_ai.usage.cache_creation.input_tokens")).contains(1024L);
      assertThat(string(span, "error.type")).isEmpty();
    }
    Span stream = of("converse-stream");
    assertThat(string(stream, "gen_ai.request.model")).contains(BedrockTestApp.CLAUDE_STREAM);
    assertThat(integer(stream, "gen_ai.usage.input_tokens")).contains(41L + 2048L);
    assertThat(integer(stream, "gen_ai.usage.output_tokens")).contains(12L);
    assertThat(integer(stream, "gen_ai.usage.cache_read.input_tokens")).contains(2048L);
    assertThat(integer(stream, "gen_ai.usage.cache_creation.input_tokens")).contains(0L);

    Span anthropic = of("invoke-anthropic");
    assertThat(string(anthropic, "gen_ai.request.model")).contains(BedrockTestApp.CLAUDE);
    assertThat(string(anthropic, "gen_ai.response.id"))
        .contains("msg_bdrk_01Qa8T6cLx2Ncq4vXx3bDbRz");
    assertThat(string(anthropic, "gen_ai.response.model")).contains("claude-3-5-sonnet-20241022");
    assertThat(integer(anthropic, "gen_ai.usage.input_tokens")).contains(21L + 1500L + 4000L);
    assertThat(integer(anthropic, "gen_ai.usage.output_tokens")).contains(12L);
    assertThat(integer(anthropic, "gen_ai.usage.cache_read.input_tokens")).contains(1500L);
    assertThat(integer(anthropic, "gen_ai.usage.cache_creation.input_tokens")).contains(4000L);
    Span llama = of("invoke-llama");
    assertThat(integer(llama, "gen_ai.usage.input_tokens")).contains(512L);
    assertThat(integer(llama, "gen_ai.usage.output_tokens")).contains(61L);
    assertThat(integer(llama, "gen_ai.usage.cache_read.input_tokens")).isEmpty();
    // Mistral's body has no counts (upstream estimates them from the text): the exact headers.
    Span mistral = of("invoke-mistral");
    assertThat(integer(mistral, "gen_ai.usage.input_tokens")).contains(389L);
    assertThat(integer(mistral, "gen_ai.usage.output_tokens")).contains(87L);

    Span error = of("error");
    assertThat(string(error, "error.type"))
        .contains("software.amazon.awssdk.services.bedrockruntime.model.ValidationException");
    assertThat(error.getStatus().getCode()).isEqualTo(StatusCode.STATUS_CODE_ERROR);
    assertThat(integer(error, "gen_ai.usage.input_tokens")).isEmpty();
    // Nothing of ours outside Bedrock spans: no CostTrace scope made a span.
    assertThat(all).noneMatch(s -> s.scope().startsWith("dev.costtrace"));
  }

  @Test
  void theOldestClaimedSdkGetsTheSameUsage() throws Exception {
    String classpath =
        AgentProcess.classpathSwapping(
            "/software/amazon/",
            java.nio.file.Path.of(System.getProperty("costtrace.test.awssdk-oldest.dir")));
    assertThat(classpath)
        .contains("bedrockruntime-2.32.0.jar")
        .doesNotContain("bedrockruntime-2.59.1");
    try (OtlpTestBackend older = new OtlpTestBackend()) {
      List<String> olderOut = run(true, older, classpath);
      assertThat(olderOut).isEqualTo(out).isEqualTo(run(false, older, classpath));
      List<ScopedSpan> spans = older.await(s -> genAi(s).size() >= SCENARIOS);
      assertThat(genAi(spans)).hasSize(SCENARIOS);
      for (String scenario :
          List.of(
              "converse",
              "converse-stream",
              "invoke-anthropic",
              "invoke-llama",
              "invoke-mistral")) {
        Span old = of(spans, scenario);
        Span pinned = of(scenario);
        for (String key :
            List.of(
                "gen_ai.request.model",
                "gen_ai.usage.input_tokens",
                "gen_ai.usage.output_tokens",
                "gen_ai.usage.cache_read.input_tokens",
                "gen_ai.usage.cache_creation.input_tokens")) {
          assertThat(OtlpTestBackend.attribute(old, key))
              .as(scenario + " " + key)
              .isEqualTo(OtlpTestBackend.attribute(pinned, key));
        }
      }
      assertThat(integer(of(spans, "converse"), "gen_ai.usage.cache_creation.input_tokens"))
          .contains(1024L);
    }
  }

  @Test
  void spansArePricedBySpanPricer() {
    try (SpanPricer pricer = SpanPricer.builder().build()) {
      PricedSpan converse = pricer.price(of("converse"), List.of());
      assertThat(converse.status()).isEqualTo(PricingStatus.PRICED);
      // Claude 3.5 Sonnet: 24 x 3 + 1,024 x 3.75 + 3,072 x 0.30 + 180 x 15 per million
      assertThat(converse.total()).isEqualByComparingTo(new BigDecimal("0.0075336"));
      // 21 x 3 + 4,000 x 3.75 + 1,500 x 0.30 + 12 x 15 per million
      assertThat(pricer.price(of("invoke-anthropic"), List.of()).total())
          .isEqualByComparingTo(new BigDecimal("0.015693"));
      // Llama 3.1 70B: 573 x 0.72 per million
      assertThat(pricer.price(of("invoke-llama"), List.of()).total())
          .isEqualByComparingTo(new BigDecimal("0.00041256"));
      // Mistral Large (24.02) on Bedrock: 389 x 4 + 87 x 12 per million (AWS's rate, not Mistral's)
      assertThat(pricer.price(of("invoke-mistral"), List.of()).total())
          .isEqualByComparingTo(new BigDecimal("0.0026"));
      // Claude Sonnet 4.5 through the us. (regional) profile, 10 % over the global rate:
      // 41 x 3.30 + 2,048 x 0.33 + 12 x 16.50 per million
      assertThat(pricer.price(of("converse-stream"), List.of()).total())
          .isEqualByComparingTo(new BigDecimal("0.00100914"));
    }
  }
}
