package dev.costtrace.agent.it;

import static dev.costtrace.agent.it.OtlpTestBackend.string;
import static org.assertj.core.api.Assertions.assertThat;

import io.opentelemetry.proto.trace.v1.Span;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Budgets under trace sampling (issue 19): the app samples no trace at all ({@code
 * parentbased_traceidratio} at 0). The agent's ledger counts every call in the process whatever is
 * exported, so the cap still blocks the first call past it, with the LLM spans kept for cost (the
 * default) and with them dropped like the rest; kept, the blocked call's span and the calls it
 * counted are exported without their (sampled-out) parents.
 */
class BudgetUnderSamplingIT {
  private static final String CONVERSATION = "budget-cap";

  private static List<Span> run(
      Path dir, boolean keepGenAiSpans, VendorReplayServer vendor, OtlpTestBackend backend)
      throws Exception {
    Path rules = dir.resolve("budgets.properties");
    Files.writeString(rules, BudgetIT.RULES);
    List<String> out =
        AgentProcess.run(
            backend.endpoint(),
            AgentProcess.fullClasspath(),
            List.of(
                "-Dcosttrace.budgets.file=" + rules,
                "-Dcosttrace.budget.remote.enabled=false",
                "-Dcosttrace.agent.http.hosts=127.0.0.1",
                "-Dotel.traces.sampler=parentbased_traceidratio",
                "-Dotel.traces.sampler.arg=0",
                "-Dcosttrace.agent.keep-genai-spans=" + keepGenAiSpans),
            BudgetTestApp.class,
            vendor.baseUrl("127.0.0.1"),
            vendor.anthropicBaseUrl(),
            "cap");
    // The ledger, not the exported spans, decides: two calls sent, the third blocked before it
    // left.
    assertThat(AgentProcess.result(out, "cap"))
        .startsWith("calls=2 blocked=conversation_cap_usd/" + CONVERSATION);
    assertThat(vendor.received("cap")).hasSize(2);
    List<Span> spans =
        keepGenAiSpans
            ? backend.await(all -> all.stream().filter(s -> isCall(s.span())).count() >= 3).stream()
                .map(OtlpTestBackend.ScopedSpan::span)
                .collect(Collectors.toList())
            : backend.spans().stream()
                .map(OtlpTestBackend.ScopedSpan::span)
                .collect(Collectors.toList());
    assertThat(spans)
        .as("the app's own spans are sampled out as configured")
        .noneMatch(s -> s.getName().startsWith("scenario "));
    return spans.stream().filter(BudgetUnderSamplingIT::isCall).collect(Collectors.toList());
  }

  private static boolean isCall(Span s) {
    return string(s, "gen_ai.conversation.id").orElse("").equals(CONVERSATION);
  }

  @Test
  void theCapBlocksWithTheCallsKeptForCost(@TempDir Path dir) throws Exception {
    try (VendorReplayServer vendor = new VendorReplayServer();
        OtlpTestBackend backend = new OtlpTestBackend()) {
      List<Span> calls = run(dir, true, vendor, backend);
      assertThat(calls)
          .hasSize(3)
          .allSatisfy(
              s ->
                  assertThat(s.getAttributesList())
                      .anySatisfy(
                          kv -> {
                            assertThat(kv.getKey()).isEqualTo("costtrace.sampling.kept_for_cost");
                            assertThat(kv.getValue().getBoolValue()).isTrue();
                          }));
      assertThat(calls)
          .filteredOn(s -> string(s, "costtrace.budget.action").orElse("").equals("block"))
          .hasSize(1);
    }
  }

  @Test
  void theCapBlocksWithNothingExported(@TempDir Path dir) throws Exception {
    try (VendorReplayServer vendor = new VendorReplayServer();
        OtlpTestBackend backend = new OtlpTestBackend()) {
      assertThat(run(dir, false, vendor, backend)).isEmpty();
    }
  }
}
