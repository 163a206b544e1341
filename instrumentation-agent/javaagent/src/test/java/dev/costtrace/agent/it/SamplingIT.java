package dev.costtrace.agent.it;

import static dev.costtrace.agent.it.OtlpTestBackend.string;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.costtrace.agent.it.OtlpTestBackend.ScopedSpan;
import dev.costtrace.pricing.PricedSpan;
import dev.costtrace.pricing.PricingStatus;
import dev.costtrace.pricing.SpanPricer;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.context.Context;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.sdk.trace.samplers.Sampler;
import io.opentelemetry.sdk.trace.samplers.SamplingDecision;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every dollar counted under trace sampling, end to end: {@link SamplingTestApp} under the built
 * agent with {@code OTEL_TRACES_SAMPLER=parentbased_traceidratio} at 0 and at 0.1, exporting to the
 * real {@code costtrace serve} (through {@link OtlpTestBackend#forwardingTo}, which keeps a copy of
 * every exported span). At both ratios every LLM and tool span reaches the receiver and every
 * conversation total in {@code costtrace report} is exact; the app's other spans are exported for
 * exactly the traces the configured sampler samples, and the trace flags sent to the vendor are the
 * sampler's. The same app without the agent prints the same.
 */
class SamplingIT {
  private static final int REQUESTS_AT_ZERO = 20;

  /** Enough traces that some are sampled at 0.1 (all 150 dropped: one run in 7 million). */
  private static final int REQUESTS_AT_TENTH = 150;

  /**
   * The recorded o4-mini response (1,280 cached and 192 reasoning tokens), as OpenAiSdkIT prices
   * it.
   */
  private static final BigDecimal RESPONSES_USD = new BigDecimal("0.0015664");

  private static final String KEPT_FOR_COST = "costtrace.sampling.kept_for_cost";

  @TempDir static Path dir;

  private static List<ScopedSpan> atZero;
  private static List<ScopedSpan> atTenth;
  private static List<String> traceparentsAtTenth;
  private static List<String> outputAtZero;
  private static List<String> outputWithoutAgent;
  private static Map<String, JsonNode> conversations;
  private static JsonNode summary;

  @BeforeAll
  static void runTheAppAtBothRatios() throws Exception {
    ReceiverProcess serve =
        ReceiverProcess.start(dir, "sampling_it_" + ProcessHandle.current().pid());
    try (serve;
        VendorReplayServer vendor = new VendorReplayServer();
        OtlpTestBackend exported = OtlpTestBackend.forwardingTo(serve.endpoint())) {
      outputAtZero = runApp(true, exported, vendor, "0", "r0", REQUESTS_AT_ZERO);
      atZero = exported.spans();
      exported.clear();
      int before = vendor.traceparents().size();
      runApp(true, exported, vendor, "0.1", "r10", REQUESTS_AT_TENTH);
      atTenth = exported.spans();
      List<String> all = vendor.traceparents();
      traceparentsAtTenth = all.subList(before, all.size());
      outputWithoutAgent = runApp(false, exported, vendor, "0", "r0", REQUESTS_AT_ZERO);
      // The app exported everything before it exited (the exporter had the receiver's answer):
      // stopping serve now flushes all of it to ClickHouse, and the report reads it afterwards.
      serve.close();
    }
    conversations = new HashMap<>();
    List<JsonNode> rows = serve.report(1000, "--by", "conversation");
    for (JsonNode row : rows) {
      if (row.has("conversation_id")) {
        conversations.put(row.get("conversation_id").asText(), row);
      }
    }
    summary = rows.get(rows.size() - 1).get("cost_per_conversation");
  }

  private static List<String> runApp(
      boolean agent,
      OtlpTestBackend exported,
      VendorReplayServer vendor,
      String ratio,
      String prefix,
      int requests)
      throws Exception {
    return AgentProcess.run(
        agent,
        exported.endpoint(),
        AgentProcess.fullClasspath(),
        List.of(
            "-Dotel.traces.sampler=parentbased_traceidratio", "-Dotel.traces.sampler.arg=" + ratio),
        SamplingTestApp.class,
        vendor.baseUrl("127.0.0.1"),
        vendor.anthropicBaseUrl(),
        prefix,
        Integer.toString(requests));
  }

  private static boolean isGenAi(ScopedSpan s) {
    return string(s.span(), "gen_ai.operation.name").isPresent();
  }

  private static boolean keptForCost(Span span) {
    return OtlpTestBackend.attribute(span, KEPT_FOR_COST).map(AnyValue::getBoolValue).orElse(false);
  }

  /** Whether the configured root sampler, {@code traceidratio} at 0.1, samples this trace. */
  private static boolean sampledAtTenth(String traceIdHex) {
    return Sampler.traceIdRatioBased(0.1)
            .shouldSample(
                Context.root(),
                traceIdHex,
                "root",
                SpanKind.INTERNAL,
                Attributes.empty(),
                List.of())
            .getDecision()
        == SamplingDecision.RECORD_AND_SAMPLE;
  }

  private static String hex(Span span) {
    return HexFormat.of().formatHex(span.getTraceId().toByteArray());
  }

  /**
   * The LLM and tool spans of a conversation. Only those: when its trace was sampled, the app's
   * other spans under baggage carry the conversation too (at 0.1, one run in ten).
   */
  private static List<Span> inConversation(List<ScopedSpan> spans, String conversation) {
    return spans.stream()
        .filter(SamplingIT::isGenAi)
        .map(ScopedSpan::span)
        .filter(s -> string(s, "gen_ai.conversation.id").orElse("").equals(conversation))
        .collect(Collectors.toList());
  }

  @Test
  void atRatioZeroEveryLlmAndToolSpanIsExportedAndNothingElse() {
    // Each served request's chat call, the Anthropic message, the Responses call, and the
    // assistant's two chat calls and one tool execution.
    assertThat(atZero).hasSize(REQUESTS_AT_ZERO + 5);
    assertThat(atZero)
        .allSatisfy(
            s -> {
              assertThat(isGenAi(s)).as(s.span().getName()).isTrue();
              assertThat(keptForCost(s.span())).as(s.span().getName()).isTrue();
              // Its parent exists but was not exported: the receiver gets the conversation from the
              // span.
              assertThat(s.span().getParentSpanId().isEmpty()).isFalse();
              // The app says that it keeps every gen_ai span: the receiver never extrapolates them.
              assertThat(s.resource())
                  .anySatisfy(
                      kv -> {
                        assertThat(kv.getKey()).isEqualTo("costtrace.sampling.keeps_genai_spans");
                        assertThat(kv.getValue().getBoolValue()).isTrue();
                      });
            });
    for (int i = 0; i < REQUESTS_AT_ZERO; i++) {
      // The conversation and user came as headers of a request whose server span was dropped;
      // the span is the upstream agent's OpenAI chat span. The tenant the request claimed is not
      // trusted by default (COSTTRACE_AGENT_TRUST_INBOUND), so it is not carried either.
      String conversation = "r0-served-" + i;
      assertThat(atZero)
          .filteredOn(
              s -> string(s.span(), "gen_ai.conversation.id").orElse("").equals(conversation))
          .singleElement()
          .satisfies(
              s -> {
                assertThat(s.scope()).startsWith("io.opentelemetry.openai-java");
                assertThat(s.span().getName()).isEqualTo("chat gpt-4o-mini");
                assertThat(string(s.span(), "user.id")).contains("r0-user");
                assertThat(string(s.span(), "costtrace.tenant.id")).isEmpty();
              });
    }
    assertThat(inConversation(atZero, "r0-anthropic"))
        .extracting(Span::getName)
        .containsExactly("chat claude-sonnet-4-5");
    assertThat(inConversation(atZero, "r0-responses"))
        .extracting(Span::getName)
        .containsExactly("chat o4-mini");
    assertThat(inConversation(atZero, "r0-lc4j"))
        .extracting(Span::getName)
        .containsExactlyInAnyOrder(
            "chat gpt-4o-mini", "chat gpt-4o-mini", "execute_tool get_weather");
  }

  @Test
  void atRatioTenthTheAppsOtherSpansAreSampledAsConfigured() {
    Map<String, List<ScopedSpan>> byTrace =
        atTenth.stream().collect(Collectors.groupingBy(s -> hex(s.span())));
    // Every trace of the app has an LLM or tool span, so every trace is seen here.
    assertThat(byTrace).hasSize(REQUESTS_AT_TENTH + 3);
    List<String> sampled = new ArrayList<>();
    for (Map.Entry<String, List<ScopedSpan>> trace : byTrace.entrySet()) {
      List<ScopedSpan> other =
          trace.getValue().stream().filter(s -> !isGenAi(s)).collect(Collectors.toList());
      List<ScopedSpan> genAi =
          trace.getValue().stream().filter(SamplingIT::isGenAi).collect(Collectors.toList());
      if (sampledAtTenth(trace.getKey())) {
        sampled.add(trace.getKey());
        assertThat(other).as("the app's spans of a sampled trace").isNotEmpty();
        assertThat(genAi).noneMatch(s -> keptForCost(s.span()));
      } else {
        assertThat(other).as("the app's spans of a dropped trace").isEmpty();
        assertThat(genAi).allMatch(s -> keptForCost(s.span()));
      }
    }
    assertThat(sampled).isNotEmpty().hasSizeLessThan(byTrace.size());
    // A sampled served request exports all of it: client and server spans, the app span, the
    // chat span and the HTTP client span of the vendor request under it.
    for (String traceId : sampled) {
      List<Span> spans =
          byTrace.get(traceId).stream().map(ScopedSpan::span).collect(Collectors.toList());
      if (spans.stream().anyMatch(s -> s.getName().equals("answer"))) {
        assertThat(spans)
            .extracting(Span::getKind)
            .containsExactlyInAnyOrder(
                Span.SpanKind.SPAN_KIND_CLIENT,
                Span.SpanKind.SPAN_KIND_SERVER,
                Span.SpanKind.SPAN_KIND_INTERNAL,
                Span.SpanKind.SPAN_KIND_CLIENT,
                Span.SpanKind.SPAN_KIND_CLIENT);
      }
    }
    // The vendor is told the sampler's decision, not ours: the sampled flag (bit 0 of the
    // trace flags; bit 1 says the trace ID is random) set only for sampled traces.
    assertThat(traceparentsAtTenth).hasSize(REQUESTS_AT_TENTH + 4);
    for (String traceparent : traceparentsAtTenth) {
      String[] parts = traceparent.split("-");
      boolean sampledFlag = (Integer.parseInt(parts[3], 16) & 1) == 1;
      assertThat(sampledFlag).as(traceparent).isEqualTo(sampledAtTenth(parts[1]));
    }
  }

  @Test
  void everyCallsCostIsExactInTheConversationTotals() {
    BigDecimal expectedTotal = BigDecimal.ZERO;
    try (SpanPricer pricer = SpanPricer.builder().build()) {
      for (String prefix : List.of("r0", "r10")) {
        List<ScopedSpan> spans = prefix.equals("r0") ? atZero : atTenth;
        int requests = prefix.equals("r0") ? REQUESTS_AT_ZERO : REQUESTS_AT_TENTH;
        for (int i = 0; i < requests; i++) {
          expectedTotal =
              expectedTotal.add(
                  assertConversation(
                      prefix + "-served-" + i, AgentToReceiverIT.ONE_CALL_USD, 1, 0));
        }
        Span anthropic = inConversation(spans, prefix + "-anthropic").get(0);
        PricedSpan anthropicPrice = pricer.price(anthropic, List.of());
        assertThat(anthropicPrice.status()).isEqualTo(PricingStatus.PRICED);
        assertThat(anthropicPrice.total()).isPositive();
        expectedTotal =
            expectedTotal.add(
                assertConversation(prefix + "-anthropic", anthropicPrice.total(), 1, 0));
        expectedTotal =
            expectedTotal.add(assertConversation(prefix + "-responses", RESPONSES_USD, 1, 0));
        BigDecimal assistant = BigDecimal.ZERO;
        for (Span s : inConversation(spans, prefix + "-lc4j")) {
          PricedSpan p = pricer.price(s, List.of());
          if (!s.getName().startsWith("execute_tool")) {
            assertThat(p.status()).isEqualTo(PricingStatus.PRICED);
          }
          assistant = assistant.add(p.total());
        }
        expectedTotal = expectedTotal.add(assertConversation(prefix + "-lc4j", assistant, 2, 1));
      }
    }
    int expectedConversations = REQUESTS_AT_ZERO + REQUESTS_AT_TENTH + 2 * 3;
    assertThat(conversations).hasSize(expectedConversations);
    assertThat(summary.get("conversations").asLong()).isEqualTo(expectedConversations);
    assertThat(new BigDecimal(summary.get("total_usd").asText()))
        .isEqualByComparingTo(expectedTotal);
  }

  private static BigDecimal assertConversation(
      String id, BigDecimal usd, long llmCalls, long toolCalls) {
    JsonNode row = conversations.get(id);
    assertThat(row).as("conversation " + id + " in the report").isNotNull();
    assertThat(new BigDecimal(row.get("total_usd").asText())).as(id).isEqualByComparingTo(usd);
    assertThat(row.get("llm_calls").asLong()).as(id).isEqualTo(llmCalls);
    assertThat(row.get("tool_calls").asLong()).as(id).isEqualTo(toolCalls);
    return usd;
  }

  @Test
  void theAppSeesTheSameWithAndWithoutTheAgent() {
    assertThat(outputAtZero)
        .filteredOn(l -> l.startsWith("RESULT "))
        .hasSize(REQUESTS_AT_ZERO + 3)
        .isEqualTo(
            outputWithoutAgent.stream()
                .filter(l -> l.startsWith("RESULT "))
                .collect(Collectors.toList()));
  }
}
