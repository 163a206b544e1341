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
import java.io.File;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Spring AI under the built agent: {@code SpringAiTestApp} (the {@code spring-ai-test-apps}
 * modules, one per tested release, each with that release's class path) runs its scenarios in one
 * JVM with the agent and one without, against {@link VendorReplayServer}. Every model call is
 * exactly one gen_ai span (ours, scope {@code dev.costtrace.spring-ai}) with every attribute; no
 * second span from the vendor SDK or HTTP client underneath (the JDK HttpClient capture is on for
 * the replay host, and a direct call shows it), nor from Micrometer Tracing wired to OpenTelemetry;
 * each tool call one {@code execute_tool} span; the conversation ID from the ChatClient's chat
 * memory parameter, app baggage winning over it; the app's output unchanged; prices from {@link
 * SpanPricer}.
 */
class SpringAiIT {
  private static final String SCOPE = "dev.costtrace.spring-ai";
  private static final String MAIN = "dev.costtrace.agent.springai.app.SpringAiTestApp";

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

  /** The Spring AI releases tested: the newest and the oldest supported (the root pom's). */
  static Stream<String> versions() {
    return Arrays.stream(System.getProperty("costtrace.test.spring-ai.versions").split(","));
  }

  /** The test app built for {@code version}: its classes and its class path file. */
  static String classpath(String version) throws Exception {
    Path app =
        Path.of(
            System.getProperty("costtrace.test.spring-ai.apps"),
            "spring-ai-" + version.substring(0, version.indexOf('.')) + ".0",
            "target");
    return app.resolve("classes")
        + File.pathSeparator
        + Files.readString(app.resolve("app.classpath")).trim();
  }

  private static List<String> run(boolean agent, String version) throws Exception {
    return results(run(agent, version, List.of()));
  }

  private static List<String> run(boolean agent, String version, List<String> jvmArgs)
      throws Exception {
    String base = vendor.baseUrl("127.0.0.1");
    List<String> args = new java.util.ArrayList<>(jvmArgs);
    args.add("-Dcosttrace.agent.http.hosts=" + URI.create(base).getAuthority());
    return AgentProcess.run(agent, otlp.endpoint(), classpath(version), args, MAIN, base);
  }

  private static List<String> results(List<String> lines) {
    return lines.stream().filter(l -> l.startsWith("RESULT ")).collect(Collectors.toList());
  }

  @ParameterizedTest(name = "Spring AI {0}")
  @MethodSource("versions")
  void everyModelCallIsOneCompleteSpanAndTheAppIsUnchanged(String version) throws Exception {
    otlp.clear();
    List<String> withAgent = run(true, version);
    List<ScopedSpan> all = otlp.spans(); // the app JVM exported everything before it exited
    List<String> withoutAgent = run(false, version);
    assertThat(withAgent).as(dump(all)).isEqualTo(withoutAgent).hasSize(11);
    if (version.equals(System.getProperty("costtrace.test.spring-ai.versions").split(",")[0])) {
      // The newest release once more, with every CostTrace span's end throwing: contained.
      List<String> faulty = run(true, version, AgentProcess.faults());
      assertThat(AgentProcess.faultContained(faulty)).isTrue();
      assertThat(results(faulty)).isEqualTo(withoutAgent);
      otlp.clear();
    }
    assertThat(withAgent)
        .contains(
            "RESULT call 17 × 23 = 391. | o4-mini-2025-04-16 2210/340",
            "RESULT stream Paris is the capital of France.",
            "RESULT memory Paris is the capital of France. (memory 2 messages)",
            "RESULT tools Here is what I found for you. (tool calls 1)",
            "RESULT retry Paris is the capital of France. | gpt-4o-mini-2024-07-18 1342/9",
            "RESULT micrometer Paris is the capital of France.");

    // The control: the JDK HttpClient capture is on for the replay host.
    assertThat(genAi(all, "jdk-direct")).as(dump(all)).hasSize(1);

    Span call = onlyChat(all, "call");
    assertChat(call, "o4-mini", "o4-mini-2025-04-16", "chatcmpl-CTr4vN8qW1xK6bJ3mZ0pL7sY2dHfA");
    assertUsage(call, 2210, 340, 1920L, 256L);
    assertThat(strings(call, "gen_ai.response.finish_reasons")).containsExactly("stop");
    assertThat(integer(call, "gen_ai.request.max_tokens")).isEmpty();
    assertThat(string(call, "gen_ai.conversation.id")).isEmpty();

    for (String scenario : List.of("stream", "stream-client")) {
      Span stream = onlyChat(all, scenario);
      assertChat(
          stream,
          "gpt-4o-mini",
          "gpt-4o-mini-2024-07-18",
          "chatcmpl-CRa8pLq2xT7bN0dVf5kYw3mZ1sHgE");
      assertThat(stream.getAttributesList())
          .anyMatch(kv -> kv.getKey().equals("gen_ai.request.stream"));
      assertUsage(stream, 2310, 7, 2048L, 0L);
      long duration = stream.getEndTimeUnixNano() - stream.getStartTimeUnixNano();
      assertThat(integer(stream, "costtrace.gen_ai.time_to_first_token_ns"))
          .hasValueSatisfying(ns -> assertThat(ns).isPositive().isLessThanOrEqualTo(duration));
    }
    assertThat(string(onlyChat(all, "stream-client"), "gen_ai.conversation.id"))
        .contains("conv-spring-stream");

    Span memory = onlyChat(all, "memory");
    assertChat(
        memory, "gpt-4o-mini", "gpt-4o-mini-2024-07-18", "chatcmpl-CQ3tXk9vY2aLrB7mN4pE1sQ8wZ0dF");
    assertUsage(memory, 1342, 9, 1024L, 0L);
    assertThat(string(memory, "gen_ai.conversation.id")).contains("conv-spring-memory");
    // App baggage wins over the chat memory's conversation ID.
    assertThat(string(onlyChat(all, "memory-baggage"), "gen_ai.conversation.id"))
        .contains("conv-spring-baggage");

    // A tool round trip: the model asks for the tool, the tool runs, the model answers — two chat
    // spans, each with its own call's usage (Spring AI 1.x adds them up in its responses), and one
    // execute_tool span, all in the ChatClient's conversation.
    List<Span> tools = spans(genAi(all, "tools"));
    assertThat(tools).as(dump(all)).hasSize(3);
    List<Span> toolChats = chats(tools);
    assertThat(toolChats).hasSize(2);
    assertUsage(toolChats.get(0), 412, 18, 0L, 0L);
    assertThat(strings(toolChats.get(0), "gen_ai.response.finish_reasons"))
        .containsExactly("tool_calls");
    assertUsage(toolChats.get(1), 468, 12, 0L, 0L);
    assertThat(strings(toolChats.get(1), "gen_ai.response.finish_reasons")).containsExactly("stop");
    Span tool = onlyTool(tools);
    assertThat(tool.getName()).isEqualTo("execute_tool get_weather");
    assertThat(tool.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_INTERNAL);
    assertThat(string(tool, "gen_ai.operation.name")).contains("execute_tool");
    assertThat(string(tool, "gen_ai.tool.name")).contains("get_weather");
    assertThat(string(tool, "gen_ai.tool.type")).contains("function");
    if (version.startsWith("2.")) {
      assertThat(string(tool, "gen_ai.tool.call.id")).contains("call_Jd8QhM2pLx7Vb0nR4tKs9Wq1");
    } else {
      assertThat(string(tool, "gen_ai.tool.call.id")).isEmpty(); // 1.x does not keep it
    }
    assertThat(string(tool, "error.type")).isEmpty();
    // Content is opt-in: no arguments, no result.
    assertThat(string(tool, "gen_ai.tool.call.arguments")).isEmpty();
    assertThat(string(tool, "gen_ai.tool.call.result")).isEmpty();
    for (Span s : tools) {
      assertThat(string(s, "gen_ai.conversation.id")).as(s.getName()).contains("conv-spring-tools");
    }

    Span failedTool = onlyTool(spans(genAi(all, "tool-error")));
    assertThat(string(failedTool, "error.type")).contains("java.lang.IllegalArgumentException");
    assertThat(failedTool.getStatus().getCode()).isEqualTo(StatusCode.STATUS_CODE_ERROR);

    // 503 then 200: the retry is inside the one span, which ends well.
    Span retry = onlyChat(all, "retry");
    assertUsage(retry, 1342, 9, 1024L, 0L);
    assertThat(string(retry, "error.type")).isEmpty();
    assertThat(retry.getStatus().getCode()).isNotEqualTo(StatusCode.STATUS_CODE_ERROR);

    Span error = onlyChat(all, "error");
    assertThat(string(error, "gen_ai.request.model")).contains("gpt-9-nonexistent");
    // Spring AI 2.0 lets the OpenAI SDK's exception through; 1.x wraps it in its own.
    assertThat(string(error, "error.type"))
        .contains(
            version.startsWith("2.")
                ? "com.openai.errors.NotFoundException"
                : "org.springframework.ai.retry.NonTransientAiException");
    assertThat(error.getStatus().getCode()).isEqualTo(StatusCode.STATUS_CODE_ERROR);
    assertThat(integer(error, "gen_ai.usage.input_tokens")).isEmpty();

    // Micrometer Tracing wired to OpenTelemetry: its ChatClient span is there (the bridge works),
    // its model-call span is not — ours is the one gen_ai span.
    Span micrometer = onlyChat(all, "micrometer");
    assertUsage(micrometer, 1342, 9, 1024L, 0L);
    assertThat(string(micrometer, "gen_ai.conversation.id")).contains("conv-spring-micrometer");
    List<ScopedSpan> bridged =
        under(all, "micrometer").stream()
            .filter(s -> s.scope().equals("micrometer-tracing"))
            .collect(Collectors.toList());
    assertThat(bridged).as(dump(all)).isNotEmpty();
    assertThat(bridged)
        .noneMatch(s -> string(s.span(), "gen_ai.operation.name").orElse("").equals("chat"));

    try (SpanPricer pricer = SpanPricer.builder().build()) {
      assertThat(bridged)
          .allSatisfy(
              s ->
                  assertThat(pricer.price(s.span(), List.of()).status())
                      .isEqualTo(PricingStatus.NOT_APPLICABLE));
      assertPrice(pricer, call, "0.002343"); // 290 x 1.10 + 1920 x 0.275 + 340 x 4.40 per M
      assertPrice(pricer, memory, "0.0001299"); // 318 x 0.15 + 1024 x 0.075 + 9 x 0.60 per M
      assertPrice(pricer, onlyChat(all, "stream"), "0.0001971");
      assertPrice(pricer, toolChats.get(0), "0.0000726");
      assertPrice(pricer, toolChats.get(1), "0.0000774");
      PricedSpan toolPrice = pricer.price(tool, List.of());
      assertThat(toolPrice.status()).isEqualTo(PricingStatus.UNREGISTERED_TOOL);
    }
  }

  /** Rules picked by feature: one scenario each of {@code SpringAiTestApp}'s budget run. */
  static final String BUDGET_RULES =
      String.join(
          "\n",
          "rule.limit.feature = spring-limit",
          "rule.limit.conversation.max.llm.calls = 2",
          "rule.stream.feature = spring-stream",
          "rule.stream.conversation.max.llm.calls = 1",
          "rule.downgrade.feature = spring-downgrade",
          "rule.downgrade.conversation.cap.usd = 0.000001",
          "rule.downgrade.action = downgrade",
          "rule.downgrade.downgrade = gpt-4o-mini=gpt-4.1-nano",
          "rule.warn.feature = spring-warn",
          "rule.warn.conversation.cap.usd = 0.000001",
          "rule.warn.action = warn",
          "");

  /**
   * The budget gate on Spring AI's model calls, blocking and streamed, on each release: the call
   * limit stops the third call (the stream's second) before anything is sent; a downgrade cannot be
   * applied (the model builds its vendor request before its observation starts) and blocks; warn
   * lets every call through with the event on our span.
   */
  @ParameterizedTest(name = "Spring AI {0}")
  @MethodSource("versions")
  void budgetsGateEveryModelCall(String version, @TempDir Path dir) throws Exception {
    Path rules = dir.resolve("budgets.properties");
    Files.writeString(rules, BUDGET_RULES);
    otlp.clear();
    int before = vendor.received().size();
    String base = vendor.baseUrl("127.0.0.1");
    List<String> out =
        results(
            AgentProcess.run(
                true,
                otlp.endpoint(),
                classpath(version),
                List.of(
                    "-Dcosttrace.budgets.file=" + rules, "-Dcosttrace.budget.remote.enabled=false"),
                MAIN,
                base,
                "budget"));
    List<ScopedSpan> all =
        otlp.await(
            spans ->
                spans.stream().filter(s -> s.span().getName().startsWith("scenario ")).count()
                    >= 4);
    List<VendorReplayServer.Received> sent =
        vendor.received().subList(before, vendor.received().size());

    assertThat(AgentProcess.result(out, "spring-limit"))
        .startsWith("calls=2 blocked=")
        .contains("conversation_max_llm_calls", "budget-spring-limit")
        .doesNotContain("(in ");
    assertThat(sentFor(sent, "spring-limit")).isEqualTo(2);
    assertBlockedSpan(all, "spring-limit", 3);

    assertThat(AgentProcess.result(out, "spring-stream"))
        .startsWith("calls=1 blocked=")
        .contains("conversation_max_llm_calls");
    assertThat(sentFor(sent, "spring-stream")).isEqualTo(1);
    assertBlockedSpan(all, "spring-stream", 2);

    assertThat(AgentProcess.result(out, "spring-downgrade"))
        .startsWith("calls=0 blocked=")
        .contains("conversation_cap_usd");
    assertThat(sentFor(sent, "spring-downgrade")).isZero();
    assertThat(string(assertBlockedSpan(all, "spring-downgrade", 1), "costtrace.budget.limit"))
        .hasValue("conversation_cap_usd");

    assertThat(AgentProcess.result(out, "spring-warn")).startsWith("calls=4 blocked=none");
    assertThat(sentFor(sent, "spring-warn")).isEqualTo(4);
    List<Span> warned = chats(spans(genAi(all, "spring-warn")));
    assertThat(warned).as(dump(all)).hasSize(4);
    for (Span s : warned) {
      assertThat(string(s, "costtrace.budget.action")).hasValue("warn");
      assertThat(s.getEventsList())
          .extracting(e -> e.getName())
          .containsExactly("costtrace.budget.limit_hit");
      assertThat(integer(s, "gen_ai.usage.input_tokens")).isPresent();
    }
  }

  private static long sentFor(List<VendorReplayServer.Received> sent, String scenario) {
    return sent.stream().filter(r -> r.body().contains("(" + scenario + ")")).count();
  }

  /** {@code calls} spans of ours for the scenario, the last one blocked; returns that one. */
  private static Span assertBlockedSpan(List<ScopedSpan> all, String scenario, int calls) {
    List<ScopedSpan> genAi = genAi(all, scenario);
    assertThat(genAi).as(scenario + ": " + dump(all)).hasSize(calls);
    assertThat(genAi).allSatisfy(s -> assertThat(s.scope()).isEqualTo(SCOPE));
    List<Span> blocked =
        spans(genAi).stream()
            .filter(s -> string(s, "costtrace.budget.action").orElse("").equals("block"))
            .collect(Collectors.toList());
    assertThat(blocked).hasSize(1);
    assertThat(string(blocked.get(0), "error.type"))
        .hasValue("dev.costtrace.budget.api.ConversationBudgetExceededException");
    return blocked.get(0);
  }

  private static void assertChat(Span span, String requestModel, String responseModel, String id) {
    assertThat(span.getName()).isEqualTo("chat " + requestModel);
    assertThat(span.getKind()).isEqualTo(Span.SpanKind.SPAN_KIND_CLIENT);
    assertThat(string(span, "gen_ai.provider.name")).contains("openai");
    assertThat(string(span, "gen_ai.operation.name")).contains("chat");
    assertThat(string(span, "gen_ai.request.model")).contains(requestModel);
    assertThat(string(span, "gen_ai.response.model")).contains(responseModel);
    assertThat(string(span, "gen_ai.response.id")).contains(id);
    assertThat(string(span, "error.type")).isEmpty();
  }

  private static void assertUsage(
      Span span, long input, long output, Long cacheRead, Long reasoning) {
    assertThat(integer(span, "gen_ai.usage.input_tokens")).as(span.toString()).contains(input);
    assertThat(integer(span, "gen_ai.usage.output_tokens")).contains(output);
    assertThat(integer(span, "gen_ai.usage.cache_read.input_tokens"))
        .isEqualTo(java.util.Optional.ofNullable(cacheRead));
    assertThat(integer(span, "gen_ai.usage.reasoning.output_tokens"))
        .isEqualTo(java.util.Optional.ofNullable(reasoning));
  }

  private static void assertPrice(SpanPricer pricer, Span span, String usd) {
    PricedSpan priced = pricer.price(span, List.of());
    assertThat(priced.status()).as(priced.toString()).isEqualTo(PricingStatus.PRICED);
    assertThat(priced.total()).isEqualByComparingTo(new BigDecimal(usd));
  }

  private static List<ScopedSpan> under(List<ScopedSpan> all, String scenario) {
    Span parent =
        all.stream()
            .map(ScopedSpan::span)
            .filter(s -> s.getName().equals("scenario " + scenario))
            .findFirst()
            .orElseThrow(() -> new AssertionError("no scenario span " + scenario));
    return all.stream()
        .filter(s -> s.span().getTraceId().equals(parent.getTraceId()))
        .collect(Collectors.toList());
  }

  /**
   * The model and tool spans of {@code scenario}. Spring AI's own ChatClient and advisor
   * observations, bridged only where the app wires Micrometer Tracing, say {@code
   * gen_ai.operation.name=framework}: no model call, no usage, not priced (asserted below).
   */
  private static List<ScopedSpan> genAi(List<ScopedSpan> all, String scenario) {
    return OtlpTestBackend.genAiOfScenario(all, scenario).stream()
        .filter(s -> !string(s.span(), "gen_ai.operation.name").orElse("").equals("framework"))
        .collect(Collectors.toList());
  }

  private static List<Span> spans(List<ScopedSpan> scoped) {
    return scoped.stream()
        .map(ScopedSpan::span)
        .sorted(java.util.Comparator.comparingLong(Span::getStartTimeUnixNano))
        .collect(Collectors.toList());
  }

  private static List<Span> chats(List<Span> spans) {
    return spans.stream()
        .filter(s -> string(s, "gen_ai.operation.name").orElse("").equals("chat"))
        .collect(Collectors.toList());
  }

  /** The one gen_ai span of {@code scenario}: ours, a chat span (one span per call). */
  private static Span onlyChat(List<ScopedSpan> all, String scenario) {
    List<ScopedSpan> genAi = genAi(all, scenario);
    assertThat(genAi).as(scenario + ": " + dump(all)).hasSize(1);
    assertThat(genAi.get(0).scope()).isEqualTo(SCOPE);
    return genAi.get(0).span();
  }

  private static Span onlyTool(List<Span> spans) {
    List<Span> tools =
        spans.stream()
            .filter(s -> s.getName().startsWith("execute_tool"))
            .collect(Collectors.toList());
    assertThat(tools).hasSize(1);
    return tools.get(0);
  }

  private static String dump(List<ScopedSpan> all) {
    return all.stream()
        .map(s -> s.scope() + " " + s.span().getName() + " " + s.span().getAttributesList())
        .collect(Collectors.joining("\n"));
  }
}
