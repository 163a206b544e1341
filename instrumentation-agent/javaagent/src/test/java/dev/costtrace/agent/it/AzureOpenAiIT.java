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
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Azure OpenAI under the built agent: {@link AzureOpenAiTestApp} (the Azure OpenAI client library,
 * sync, async and streamed, a 429 and its retry, a missing deployment; and the OpenAI Java SDK
 * pointed at Azure) against {@link VendorReplayServer}'s Azure recordings, on the newest client
 * library (the build's) and the oldest supported (its jar swapped in), with and without the agent.
 * Deployment {@code chat-prod} maps to {@code gpt-4o-mini} through {@code
 * costtrace.azure.deployments}, the receiver's setting. Exactly one gen_ai span per call, provider
 * {@code azure.ai.openai}, every attribute, the app's output unchanged, prices from {@link
 * SpanPricer}.
 */
class AzureOpenAiIT {
  private static final String SCOPE = "dev.costtrace.azure-ai-openai";

  private static VendorReplayServer vendor;
  private static OtlpTestBackend otlp;

  @BeforeAll
  static void startServers() throws Exception {
    vendor = new VendorReplayServer();
    otlp = new OtlpTestBackend();
  }

  @AfterAll
  static void stopServers() {
    vendor.close();
    otlp.close();
  }

  /** The client library versions: the build's (newest) and the oldest supported. */
  static Stream<String> versions() {
    return Stream.of("newest", System.getProperty("costtrace.test.azure-oldest.version"));
  }

  private static String classpath(String version) throws Exception {
    return version.equals("newest")
        ? AgentProcess.fullClasspath()
        : AgentProcess.classpathSwapping(
            "/com/azure/azure-ai-openai/",
            Path.of(System.getProperty("costtrace.test.azure-oldest.dir")));
  }

  private static List<String> run(boolean agent, String version) throws Exception {
    return results(run(agent, version, List.of()));
  }

  private static List<String> run(boolean agent, String version, List<String> jvmArgs)
      throws Exception {
    List<String> args = new java.util.ArrayList<>(jvmArgs);
    args.add("-Dcosttrace.azure.deployments=chat-prod=gpt-4o-mini,chat-retry=gpt-4o-mini");
    return AgentProcess.run(
        agent,
        otlp.endpoint(),
        classpath(version),
        args,
        AzureOpenAiTestApp.class,
        vendor.rootUrl());
  }

  private static List<String> results(List<String> lines) {
    return lines.stream().filter(l -> l.startsWith("RESULT ")).collect(Collectors.toList());
  }

  @ParameterizedTest(name = "azure-ai-openai {0}")
  @MethodSource("versions")
  void everyCallIsOneAzureSpanAndTheAppIsUnchanged(String version) throws Exception {
    // 1.0.0-beta.12 reads no token details: no cached or reasoning tokens there.
    boolean details = version.equals("newest");
    otlp.clear();
    List<String> withAgent = run(true, version);
    List<ScopedSpan> all = otlp.spans(); // the app JVM exported everything before it exited
    List<String> withoutAgent = run(false, version);
    assertThat(withAgent).as(dump(all)).isEqualTo(withoutAgent).hasSize(7);
    if (details) {
      // Once more with every CostTrace span's end throwing: contained, the app unchanged.
      List<String> faulty = run(true, version, AgentProcess.faults());
      assertThat(AgentProcess.faultContained(faulty)).isTrue();
      assertThat(results(faulty)).isEqualTo(withoutAgent);
    }
    assertThat(withAgent)
        .contains(
            "RESULT azure-sync Paris is the capital of France. | chatcmpl-CU1aZ7rTq2vN8xK4mB6sL0pW3dYhJ"
                + " gpt-4o-mini-2024-07-18 1342/9",
            "RESULT azure-stream Paris is the capital of France.",
            "RESULT azure-async-stream Paris is the capital of France.",
            "RESULT azure-error error com.azure.core.exception.ResourceNotFoundException 404",
            "RESULT openai-sdk-azure Paris is the capital of France. | gpt-4o-mini-2024-07-18");

    for (String scenario : List.of("azure-sync", "azure-async", "azure-retry")) {
      Span span = only(all, scenario, SCOPE);
      assertAzureChat(span, "chatcmpl-CU1aZ7rTq2vN8xK4mB6sL0pW3dYhJ");
      assertThat(integer(span, "gen_ai.request.max_tokens")).contains(256L);
      assertThat(strings(span, "gen_ai.response.finish_reasons")).containsExactly("stop");
      assertUsage(span, 1342, 9, details ? 1024L : null, details ? 0L : null);
      assertThat(span.getStatus().getCode()).isNotEqualTo(StatusCode.STATUS_CODE_ERROR);
    }
    for (String scenario : List.of("azure-stream", "azure-async-stream")) {
      Span span = only(all, scenario, SCOPE);
      assertAzureChat(span, "chatcmpl-CU1bK3pXw8nR5tY0qL7vM2sZ9fDgE");
      assertThat(span.getAttributesList())
          .anyMatch(kv -> kv.getKey().equals("gen_ai.request.stream"));
      assertThat(strings(span, "gen_ai.response.finish_reasons")).containsExactly("stop");
      assertUsage(span, 2310, 7, details ? 2048L : null, details ? 0L : null);
      long duration = span.getEndTimeUnixNano() - span.getStartTimeUnixNano();
      assertThat(integer(span, "costtrace.gen_ai.time_to_first_token_ns"))
          .hasValueSatisfying(ns -> assertThat(ns).isPositive().isLessThanOrEqualTo(duration));
    }
    Span error = only(all, "azure-error", SCOPE);
    assertThat(string(error, "gen_ai.provider.name")).contains("azure.ai.openai");
    // A deployment the table does not know stays as the request names it.
    assertThat(string(error, "gen_ai.request.model")).contains("chat-missing");
    assertThat(string(error, "error.type"))
        .contains("com.azure.core.exception.ResourceNotFoundException");
    assertThat(error.getStatus().getCode()).isEqualTo(StatusCode.STATUS_CODE_ERROR);
    assertThat(integer(error, "gen_ai.usage.input_tokens")).isEmpty();

    // The OpenAI SDK pointed at Azure: the upstream agent's chat span, told it is Azure.
    Span sdk = only(all, "openai-sdk-azure", "io.opentelemetry.openai-java-1.1");
    assertThat(string(sdk, "gen_ai.provider.name")).contains("azure.ai.openai");
    assertThat(string(sdk, "gen_ai.request.model")).contains("gpt-4o-mini");
    assertThat(string(sdk, "server.address")).contains("127.0.0.1");
    assertThat(string(sdk, "gen_ai.response.model")).contains("gpt-4o-mini-2024-07-18");
    assertUsage(sdk, 1342, 9, 1024L, 0L);

    try (SpanPricer pricer = SpanPricer.builder().build()) {
      // Azure falls back to OpenAI's list prices for gpt-4o-mini.
      assertPrice(pricer, only(all, "azure-sync", SCOPE), details ? "0.0001299" : "0.0002067");
      assertPrice(pricer, only(all, "azure-stream", SCOPE), details ? "0.0001971" : "0.0003507");
      assertPrice(pricer, sdk, "0.0001299");
    }
  }

  private static void assertAzureChat(Span span, String id) {
    assertThat(span.getName()).isEqualTo("chat gpt-4o-mini");
    assertThat(span.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
    assertThat(string(span, "gen_ai.provider.name")).contains("azure.ai.openai");
    assertThat(string(span, "gen_ai.operation.name")).contains("chat");
    assertThat(string(span, "gen_ai.request.model")).contains("gpt-4o-mini");
    assertThat(string(span, "server.address")).contains("127.0.0.1");
    assertThat(integer(span, "server.port")).contains((long) vendorPort());
    assertThat(string(span, "gen_ai.response.model")).contains("gpt-4o-mini-2024-07-18");
    assertThat(string(span, "gen_ai.response.id")).contains(id);
    assertThat(string(span, "error.type")).isEmpty();
  }

  private static int vendorPort() {
    return java.net.URI.create(vendor.rootUrl()).getPort();
  }

  private static void assertUsage(
      Span span, long input, long output, Long cacheRead, Long reasoning) {
    assertThat(integer(span, "gen_ai.usage.input_tokens")).as(span.toString()).contains(input);
    assertThat(integer(span, "gen_ai.usage.output_tokens")).contains(output);
    assertThat(integer(span, "gen_ai.usage.cache_read.input_tokens"))
        .isEqualTo(Optional.ofNullable(cacheRead));
    assertThat(integer(span, "gen_ai.usage.reasoning.output_tokens"))
        .isEqualTo(Optional.ofNullable(reasoning));
  }

  private static void assertPrice(SpanPricer pricer, Span span, String usd) {
    PricedSpan priced = pricer.price(span, List.of());
    assertThat(priced.status()).as(priced.toString()).isEqualTo(PricingStatus.PRICED);
    assertThat(priced.total()).isEqualByComparingTo(new BigDecimal(usd));
  }

  /** The one gen_ai span of {@code scenario} (one span per call), made by {@code scope}. */
  private static Span only(List<ScopedSpan> all, String scenario, String scope) {
    List<ScopedSpan> genAi = OtlpTestBackend.genAiOfScenario(all, scenario);
    assertThat(genAi).as(scenario + ": " + dump(all)).hasSize(1);
    assertThat(genAi.get(0).scope()).isEqualTo(scope);
    return genAi.get(0).span();
  }

  private static String dump(List<ScopedSpan> all) {
    return all.stream()
        .map(s -> s.scope() + " " + s.span().getName() + " " + s.span().getAttributesList())
        .collect(Collectors.joining("\n"));
  }
}
