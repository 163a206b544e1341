package dev.costtrace.agent.it;

import static dev.costtrace.agent.it.OtlpTestBackend.genAiOfScenario;
import static dev.costtrace.agent.it.OtlpTestBackend.integer;
import static dev.costtrace.agent.it.OtlpTestBackend.string;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.trace.v1.Span;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
  static final String BEDROCK_CHEAPER = "anthropic.claude-3-haiku-20240307-v1:0";

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
          // The clients added later: Google Gen AI, the Azure OpenAI client library, Bedrock.
          "rule.googlecap.feature = google-cap",
          "rule.googlecap.conversation.cap.usd = 0.000001",
          "rule.googledowngrade.feature = google-downgrade",
          "rule.googledowngrade.conversation.cap.usd = 0.005",
          "rule.googledowngrade.action = downgrade",
          "rule.googledowngrade.downgrade = gemini-2.5-pro=gemini-2.5-flash",
          "rule.googlelimit.feature = google-limit",
          "rule.googlelimit.conversation.max.llm.calls = 2",
          "rule.googlewarn.feature = google-warn",
          "rule.googlewarn.conversation.cap.usd = 0.000001",
          "rule.googlewarn.action = warn",
          "rule.azurecap.feature = azure-cap",
          "rule.azurecap.conversation.cap.usd = 0.000001",
          "rule.azuredowngrade.feature = azure-downgrade",
          "rule.azuredowngrade.conversation.cap.usd = 0.005",
          "rule.azuredowngrade.action = downgrade",
          "rule.azuredowngrade.downgrade = gpt-4o=gpt-4o-mini",
          "rule.azurelimit.feature = azure-limit",
          "rule.azurelimit.conversation.max.llm.calls = 2",
          "rule.azureasync.feature = azure-async",
          "rule.azureasync.conversation.max.llm.calls = 1",
          "rule.bedrockcap.feature = bedrock-cap",
          "rule.bedrockcap.conversation.cap.usd = 0.000001",
          "rule.bedrockdowngrade.feature = bedrock-downgrade",
          "rule.bedrockdowngrade.conversation.cap.usd = 0.004",
          "rule.bedrockdowngrade.action = downgrade",
          "rule.bedrockdowngrade.downgrade = " + BudgetClientCalls.CLAUDE + "=" + BEDROCK_CHEAPER,
          "rule.bedrocklimit.feature = bedrock-limit",
          "rule.bedrocklimit.conversation.max.llm.calls = 2",
          "rule.bedrockwarn.feature = bedrock-warn",
          "rule.bedrockwarn.conversation.cap.usd = 0.000001",
          "rule.bedrockwarn.action = warn",
          "");

  static final List<String> SCENARIOS =
      List.of(
          "cap",
          "calls",
          "downgrade",
          "warn",
          "lc4j",
          "http",
          "stream",
          "google-cap",
          "google-downgrade",
          "google-limit",
          "google-warn",
          "azure-cap",
          "azure-downgrade",
          "azure-limit",
          "azure-async",
          "bedrock-cap",
          "bedrock-downgrade",
          "bedrock-limit",
          "bedrock-warn");

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
    List<String> args = new ArrayList<>();
    args.add(vendor.baseUrl("127.0.0.1"));
    args.add(vendor.anthropicBaseUrl());
    args.addAll(SCENARIOS);
    out =
        AgentProcess.run(
            backend.endpoint(),
            AgentProcess.fullClasspath(),
            List.of(
                "-Dcosttrace.budgets.file=" + rules,
                "-Dcosttrace.budget.remote.enabled=false",
                "-Dcosttrace.agent.http.hosts=127.0.0.1",
                "-Dcosttrace.azure.deployments=chat-big=gpt-4o,chat-prod=gpt-4o-mini"),
            BudgetTestApp.class,
            args.toArray(new String[0]));
    spans =
        backend.await(
            all ->
                all.stream().filter(s -> s.span().getName().startsWith("scenario ")).count()
                    >= SCENARIOS.size());
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

  static final String EXCEPTION = "dev.costtrace.budget.api.ConversationBudgetExceededException";

  /** The first call is past the cap: blocked, never sent, its span ended with the exception. */
  static void assertCapBlocksBeforeSending(String scenario, String provider) {
    assertThat(AgentProcess.result(out, scenario))
        .startsWith(
            "calls=0 blocked=conversation_cap_usd/budget-" + scenario + " loader=bootstrap");
    assertThat(vendor.received(scenario)).isEmpty();
    Span blocked = blockedSpan(scenario);
    assertThat(string(blocked, "error.type")).hasValue(EXCEPTION);
    assertThat(string(blocked, "gen_ai.provider.name")).hasValue(provider);
    assertThat(string(blocked, "costtrace.budget.limit")).hasValue("conversation_cap_usd");
    assertThat(blocked.getEventsList())
        .extracting(e -> e.getName())
        .contains("costtrace.budget.limit_hit");
    assertThat(genAi(scenario)).hasSize(1);
  }

  /** Every call sent was downgraded: the vendor saw the cheaper model, every span says so. */
  static void assertDowngraded(
      String scenario, String requested, String cheaper, String cheaperInPath) {
    List<VendorReplayServer.Received> sent = vendor.received(scenario);
    assertThat(AgentProcess.result(out, scenario)).startsWith("calls=" + sent.size() + " ");
    assertThat(sent).isNotEmpty();
    assertThat(sent).allSatisfy(r -> assertThat(r.path()).contains(cheaperInPath));
    List<Span> downgraded = withAction(scenario, "downgrade");
    assertThat(downgraded).hasSize(sent.size());
    for (Span s : downgraded) {
      assertThat(string(s, "costtrace.budget.requested_model")).hasValue(requested);
      assertThat(string(s, "costtrace.budget.downgraded_to")).hasValue(cheaper);
      assertThat(string(s, "gen_ai.request.model")).hasValue(cheaper);
      assertThat(s.getName()).endsWith(" " + cheaper);
      assertThat(s.getEventsList())
          .extracting(e -> e.getName())
          .contains("costtrace.budget.limit_hit");
    }
  }

  /** The call limit of 2: two calls sent, the third blocked and never sent. */
  static void assertCallLimit(String scenario, int limit, String suffix) {
    assertThat(AgentProcess.result(out, scenario))
        .startsWith(
            "calls="
                + limit
                + " blocked=conversation_max_llm_calls/budget-"
                + scenario
                + suffix
                + " loader=bootstrap");
    assertThat(vendor.received(scenario)).hasSize(limit);
    Span blocked = blockedSpan(scenario);
    assertThat(string(blocked, "costtrace.budget.limit_value")).hasValue(String.valueOf(limit));
    assertThat(string(blocked, "error.type")).hasValue(EXCEPTION);
    assertThat(withAction(scenario, "allow")).hasSize(limit);
  }

  /** Warn only: every call sent, each span with the event and its real usage. */
  static void assertWarnedOnly(String scenario) {
    assertThat(AgentProcess.result(out, scenario))
        .startsWith("calls=" + BudgetTestApp.MAX_CALLS + " blocked=none");
    assertThat(vendor.received(scenario)).hasSize(BudgetTestApp.MAX_CALLS);
    List<Span> calls = genAi(scenario);
    assertThat(calls).hasSize(BudgetTestApp.MAX_CALLS);
    for (Span s : calls) {
      assertThat(string(s, "costtrace.budget.action")).hasValue("warn");
      assertThat(s.getEventsList())
          .extracting(e -> e.getName())
          .containsExactly("costtrace.budget.limit_hit");
      assertThat(integer(s, "gen_ai.usage.input_tokens")).isPresent();
    }
  }

  @Test
  void googleGenAiIsGatedLikeTheOthers() {
    assertCapBlocksBeforeSending("google-cap", "gcp.gemini");
    assertDowngraded(
        "google-downgrade", "gemini-2.5-pro", "gemini-2.5-flash", "/models/gemini-2.5-flash:");
    assertCallLimit("google-limit", 2, ""); // streams, settled at their end
    assertWarnedOnly("google-warn"); // async
  }

  @Test
  void azureOpenAiClientLibraryIsGatedLikeTheOthers() {
    assertCapBlocksBeforeSending("azure-cap", "azure.ai.openai");
    // gpt-4o's deployment swapped for the one serving gpt-4o-mini (costtrace.azure.deployments)
    assertDowngraded("azure-downgrade", "gpt-4o", "gpt-4o-mini", "/openai/deployments/chat-prod/");
    assertCallLimit("azure-limit", 2, ""); // streams
    assertCallLimit("azure-async", 1, ""); // the Mono fails at subscription, nothing sent
  }

  @Test
  void bedrockIsGatedOnTheUpstreamSpan() {
    assertCapBlocksBeforeSending("bedrock-cap", "aws.bedrock");
    assertThat(genAi("bedrock-cap").get(0).getStatus().getCode())
        .isEqualTo(io.opentelemetry.proto.trace.v1.Status.StatusCode.STATUS_CODE_ERROR);
    assertDowngraded(
        "bedrock-downgrade",
        BudgetClientCalls.CLAUDE,
        BEDROCK_CHEAPER,
        "/model/" + BEDROCK_CHEAPER + "/converse");
    // ConverseStream on the async client: the future fails with the budget's exception (the
    // SDK's SdkClientException around it taken off), which join() wraps as for any failure.
    assertCallLimit("bedrock-limit", 2, " (in CompletionException)");
    assertWarnedOnly("bedrock-warn"); // InvokeModel, settled from the body's usage
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
