package dev.costtrace.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.costtrace.agent.it.AgentProcess;
import dev.costtrace.agent.it.ReceiverProcess;
import dev.costtrace.demo.vendor.RecordedVendor;
import java.io.File;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The compose stack's demo as it runs there, without Docker: the recorded vendor, the built {@code
 * costtrace serve} and the demo app in its own JVM with the built costtrace-javaagent.jar exporting
 * to it (OTLP http/protobuf, the agent's default), then {@code costtrace report}: every
 * conversation the app says it held is there, with its tenant's and feature's calls, priced exactly
 * from the recorded usage.
 */
class DemoAppIT {
  private static final int CONVERSATIONS = 8;

  /** Per call, from the recordings (see the vendor's README) and the bundled prices. */
  private static final Map<String, BigDecimal> CALL_USD =
      Map.of(
          // gpt-4o-mini: 560 uncached x 0.15 + 1,920 cached x 0.075 + 164 x 0.60 per million
          "support-chat", new BigDecimal("0.0003264"),
          // o4-mini: 560 x 1.10 + 2,560 x 0.275 + 410 x 4.40 per million
          "code-review", new BigDecimal("0.003124"),
          // claude-sonnet-4-5: 38 x 3 + 4,096 x 0.30 + 221 x 15 per million, counted once (a
          // streamed anthropic-java 3.x call whose own tracing makes no second span under ours)
          "doc-search", new BigDecimal("0.0046578"));

  @TempDir Path dir;

  @Test
  void theDemoAppsCallsArriveAsAgentSpansPricedPerConversation() throws Exception {
    try (RecordedVendor vendor = RecordedVendor.start("127.0.0.1", 0);
        ReceiverProcess receiver =
            ReceiverProcess.start(dir, "demo_it_" + ProcessHandle.current().pid())) {
      List<String> out = runDemo(receiver.endpoint(), "http://127.0.0.1:" + vendor.port());
      Map<String, String[]> planned = new HashMap<>();
      for (String line : out) {
        if (line.startsWith("conversation ")) {
          String[] f = line.split(" "); // conversation <id> <tenant> <feature> <turns>
          planned.put(f[1], f);
        }
      }
      assertThat(planned).hasSize(CONVERSATIONS);
      // Every feature is held, so each call kind's cost is checked (streamed Claude included).
      assertThat(planned.values().stream().map(f -> f[3]))
          .contains("support-chat", "code-review", "doc-search");
      assertThat(out).anyMatch(l -> l.startsWith("demo: " + CONVERSATIONS + " conversations, "));

      Map<String, JsonNode> stored = receiver.awaitConversations(CONVERSATIONS);
      assertThat(stored).containsOnlyKeys(planned.keySet());
      BigDecimal total = BigDecimal.ZERO;
      for (Map.Entry<String, String[]> p : planned.entrySet()) {
        JsonNode row = stored.get(p.getKey());
        int turns = Integer.parseInt(p.getValue()[4]);
        BigDecimal expected = CALL_USD.get(p.getValue()[3]).multiply(BigDecimal.valueOf(turns));
        assertThat(row.get("llm_calls").asLong()).as(p.getKey()).isEqualTo(turns);
        assertThat(new BigDecimal(row.get("total_usd").asText()))
            .as(p.getKey())
            .isEqualByComparingTo(expected);
        total = total.add(expected);
      }
      JsonNode summary = lastRow(receiver.report("--by", "tenant")).get("cost_per_conversation");
      assertThat(new BigDecimal(summary.get("total_usd").asText())).isEqualByComparingTo(total);
      assertThat(receiver.report("--by", "feature"))
          .extracting(r -> r.path("feature").asText())
          .containsAnyOf("support-chat", "code-review", "doc-search");
    }
  }

  private static JsonNode lastRow(List<JsonNode> rows) {
    return rows.get(rows.size() - 1);
  }

  /** The demo app's JVM with the built agent, as the compose service runs it; its output lines. */
  private static List<String> runDemo(String otlpEndpoint, String vendorUrl) throws Exception {
    String classpath =
        System.getProperty("costtrace.demo.classes")
            + File.pathSeparator
            + Files.readString(Path.of(System.getProperty("costtrace.demo.classpath.file"))).trim();
    ProcessBuilder pb =
        new ProcessBuilder(
                AgentProcess.command(
                    System.getProperty("costtrace.agent.jar"),
                    otlpEndpoint,
                    classpath,
                    List.of(),
                    Main.class))
            .redirectErrorStream(true);
    pb.environment().put("DEMO_VENDOR_URL", vendorUrl);
    pb.environment().put("DEMO_CONVERSATIONS", "" + CONVERSATIONS);
    Process p = pb.start();
    byte[] output = p.getInputStream().readAllBytes();
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    String text = new String(output, StandardCharsets.UTF_8);
    assertThat(p.exitValue()).as(text).isZero();
    return text.lines().toList();
  }
}
