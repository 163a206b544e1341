package dev.costtrace.agent.it;

import static dev.costtrace.agent.it.OtlpTestBackend.genAiOfScenario;
import static dev.costtrace.agent.it.OtlpTestBackend.integer;
import static dev.costtrace.agent.it.OtlpTestBackend.string;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.trace.v1.Span;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Budgets enforced in the app by the built agent, one app JVM for every client: the OpenAI SDK
 * (Responses API blocked by the USD cap; chat completions, under the upstream agent's span,
 * downgraded; chat streaming under that span settled from the stream's usage and blocked by the
 * cap), the Anthropic SDK (the call limit), LangChain4j (warn only, and blocked), raw OkHttp
 * through the HTTP capture (blocked). The vendor's request log proves a blocked call was never
 * sent. Each scenario's rule is picked by its feature (rules file scoped by feature). The receiver
 * look-up is off here (this process's ledger); cross-process spend is in {@link BudgetReceiverIT}.
 */
class BudgetIT {
  static final String RULES =
      String.join(
          "\n",
          "rule.cap.feature = cap",
          "rule.cap.conversation.cap.usd = 0.0035",
          "rule.calls.feature = calls",
          "rule.calls.conversation.max.llm.calls = 2",
          "rule.downgrade.feature = downgrade",
          "rule.downgrade.conversation.cap.usd = 0.002",
          "rule.downgrade.action = downgrade",
          "rule.downgrade.downgrade = gpt-4o=gpt-4o-mini",
          "rule.warn.feature = warn",
          "rule.warn.conversation.cap.usd = 0.000001",
          "rule.warn.action = warn",
          "rule.lc4j.feature = lc4j",
          "rule.lc4j.conversation.max.llm.calls = 1",
          "rule.http.feature = http",
          "rule.http.conversation.max.llm.calls = 1",
          "rule.stream.feature = stream",
          "rule.stream.conversation.cap.usd = 0.0003",
          "");

  static VendorReplayServer vendor;
  static OtlpTestBackend backend;
  static List<String> out;
  static List<OtlpTestBackend.ScopedSpan> spans;

  @BeforeAll
  static void runApp(@TempDir Path dir) throws Exception {
    vendor = new VendorReplayServer();
    backend = new OtlpTestBackend();
    Path rules = dir.resolve("budgets.properties");
    Files.writeString(rules, RULES);
    out =
        AgentProcess.run(
            backend.endpoint(),
            AgentProcess.fullClasspath(),
            List.of(
                "-Dcosttrace.budgets.file=" + rules,
                "-Dcosttrace.budget.remote.enabled=false",
                "-Dcosttrace.agent.http.hosts=127.0.0.1"),
            BudgetTestApp.class,
            vendor.baseUrl("127.0.0.1"),
            vendor.anthropicBaseUrl(),
            "cap",
            "calls",
            "downgrade",
            "warn",
            "lc4j",
            "http",
            "stream");
    spans =
        backend.await(
            all ->
                all.stream().filter(s -> s.span().getName().startsWith("scenario ")).count() >= 7);
  }

  @AfterAll
  static void stop() {
    vendor.close();
    backend.close();
  }

  static List<Span> genAi(String scenario) {
    return genAiOfScenario(spans, scenario).stream()
        .map(OtlpTestBackend.ScopedSpan::span)
        .collect(Collectors.toList());
  }

  static List<Span> withAction(String scenario, String action) {
    return genAi(scenario).stream()
        .filter(s -> string(s, "costtrace.budget.action").orElse("").equals(action))
        .collect(Collectors.toList());
  }

  static Span blockedSpan(String scenario) {
    List<Span> blocked = withAction(scenario, "block");
    assertThat(blocked).as("blocked spans of " + scenario).hasSize(1);
    return blocked.get(0);
  }

  @Test
  void capBlocksTheFirstCallPastItAndNothingIsSent() {
    assertThat(AgentProcess.result(out, "cap"))
        .startsWith("calls=2 blocked=conversation_cap_usd/budget-cap loader=bootstrap");
    assertThat(vendor.received("cap")).hasSize(2);
    Span blocked = blockedSpan("cap");
    assertThat(string(blocked, "error.type"))
        .hasValue("dev.costtrace.budget.api.ConversationBudgetExceededException");
    assertThat(string(blocked, "costtrace.budget.limit")).hasValue("conversation_cap_usd");
    assertThat(string(blocked, "costtrace.budget.limit_value")).hasValue("0.0035");
    // Two o4-mini responses settled at 0.0015664 USD each (the receiver's price of the fixture).
    assertThat(string(blocked, "costtrace.budget.spend_usd")).hasValue("0.0031328");
    assertThat(string(blocked, "gen_ai.conversation.id")).hasValue("budget-cap");
    assertThat(string(blocked, "gen_ai.usage.input_tokens")).isEmpty();
    assertThat(blocked.getEventsList())
        .extracting(e -> e.getName())
        .contains("costtrace.budget.limit_hit");
    assertThat(genAi("cap")).hasSize(3);
    assertThat(withAction("cap", "allow")).hasSize(2);
  }

  @Test
  void callLimitBlocksTheThirdAnthropicCall() {
    assertThat(AgentProcess.result(out, "calls"))
        .startsWith("calls=2 blocked=conversation_max_llm_calls/budget-calls loader=bootstrap");
    assertThat(vendor.received("calls")).hasSize(2);
    Span blocked = blockedSpan("calls");
    assertThat(string(blocked, "costtrace.budget.limit_value")).hasValue("2");
    assertThat(string(blocked, "costtrace.budget.reach")).hasValue("3");
    assertThat(string(blocked, "gen_ai.provider.name")).hasValue("anthropic");
  }

  @Test
  void downgradeSendsTheCheaperModelAndTheSpanSaysSo() {
    assertThat(AgentProcess.result(out, "downgrade")).startsWith("calls=4 blocked=none");
    List<VendorReplayServer.Received> sent = vendor.received("downgrade");
    assertThat(sent).hasSize(4);
    assertThat(sent).allSatisfy(r -> assertThat(r.body()).contains("\"model\":\"gpt-4o-mini\""));
    List<Span> calls = genAi("downgrade");
    assertThat(calls).hasSize(4); // the upstream agent's chat spans, one per call
    for (Span s : calls) {
      assertThat(string(s, "costtrace.budget.action")).hasValue("downgrade");
      assertThat(string(s, "costtrace.budget.requested_model")).hasValue("gpt-4o");
      assertThat(string(s, "costtrace.budget.downgraded_to")).hasValue("gpt-4o-mini");
      assertThat(string(s, "gen_ai.request.model")).hasValue("gpt-4o-mini");
      assertThat(s.getEventsList())
          .extracting(e -> e.getName())
          .contains("costtrace.budget.limit_hit");
    }
  }

  @Test
  void warnOnlyLetsEveryCallThroughWithAnEvent() {
    assertThat(AgentProcess.result(out, "warn")).startsWith("calls=4 blocked=none");
    assertThat(vendor.received("warn")).hasSize(4);
    List<Span> calls = genAi("warn");
    assertThat(calls).hasSize(4);
    for (Span s : calls) {
      assertThat(string(s, "costtrace.budget.action")).hasValue("warn");
      assertThat(string(s, "costtrace.budget.limit")).hasValue("conversation_cap_usd");
      assertThat(s.getEventsList())
          .extracting(e -> e.getName())
          .containsExactly("costtrace.budget.limit_hit");
      assertThat(integer(s, "gen_ai.usage.input_tokens")).isPresent();
    }
  }

  @Test
  void langChain4jAndHttpCaptureAreBlockedToo() {
    assertThat(AgentProcess.result(out, "lc4j"))
        .startsWith("calls=1 blocked=conversation_max_llm_calls/budget-lc4j loader=bootstrap");
    assertThat(vendor.received("lc4j")).hasSize(1);
    assertThat(string(blockedSpan("lc4j"), "gen_ai.provider.name")).hasValue("openai");
    assertThat(AgentProcess.result(out, "http"))
        .startsWith("calls=1 blocked=conversation_max_llm_calls/budget-http loader=bootstrap");
    assertThat(vendor.received("http")).hasSize(1);
    blockedSpan("http");
  }

  @Test
  void chatStreamingUnderTheUpstreamSpanIsSettledFromItsUsageAndBlocked() {
    assertThat(AgentProcess.result(out, "stream"))
        .startsWith("calls=2 blocked=conversation_cap_usd/budget-stream loader=bootstrap");
    assertThat(vendor.received("stream")).hasSize(2);
    Span blocked = blockedSpan("stream");
    assertThat(string(blocked, "error.type"))
        .hasValue("dev.costtrace.budget.api.ConversationBudgetExceededException");
    // Two streams settled from their usage chunk (2,310 input tokens of which 2,048 cached, 7
    // output, gpt-4o-mini): 0.0001971 USD each. Unsettled, the spend would be the estimates only.
    assertThat(string(blocked, "costtrace.budget.spend_usd")).hasValue("0.0003942");
    assertThat(genAi("stream")).hasSize(3); // the upstream agent's chat spans, one per call
    List<Span> allowed = withAction("stream", "allow");
    assertThat(allowed).hasSize(2);
    // The upstream span's time to first token still comes from the same observed stream.
    assertThat(allowed)
        .allSatisfy(
            s -> assertThat(integer(s, "costtrace.gen_ai.time_to_first_token_ns")).isPresent());
  }

  @Test
  void theExceptionIsTheAgentsClassWhenTheAppShipsTheApiJar() throws Exception {
    String apiJar = System.getProperty("costtrace.test.budget-api.jar");
    assertThat(Path.of(apiJar)).exists();
    try (VendorReplayServer own = new VendorReplayServer()) { // its requests are not the others'
      List<String> withJar =
          AgentProcess.run(
              backend.endpoint(),
              AgentProcess.fullClasspath() + File.pathSeparator + apiJar,
              List.of(
                  "-Dcosttrace.budget.conversation.max.llm.calls=1",
                  "-Dcosttrace.budget.remote.enabled=false"),
              BudgetTestApp.class,
              own.baseUrl("127.0.0.1"),
              own.anthropicBaseUrl(),
              "cap:budget-with-jar");
      assertThat(AgentProcess.result(withJar, "cap"))
          .isEqualTo(
              "calls=1 blocked=conversation_max_llm_calls/budget-with-jar loader=bootstrap remaining=null/0");
      assertThat(own.received("cap")).hasSize(1);
    }
  }
}
