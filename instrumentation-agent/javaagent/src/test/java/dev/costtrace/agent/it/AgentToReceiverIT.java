package dev.costtrace.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole product as a user runs it: {@code costtrace serve} (the built executable, its own JVM,
 * the embedded ClickHouse), an app with the built costtrace-javaagent.jar exporting to it with the
 * agent's defaults (OTLP http/protobuf), and {@code costtrace report} reading what was stored. The
 * conversation of a served request arrives through the inbound {@code X-Conversation-Id} header,
 * and the report's money is the exact price of the recorded response.
 */
class AgentToReceiverIT {
  /**
   * gpt-4o-mini, the recorded chat completion: 1,342 input of which 1,024 cached, 9 output: 318 ×
   * $0.15/M + 1,024 × $0.075/M + 9 × $0.60/M.
   */
  static final BigDecimal ONE_CALL_USD = new BigDecimal("0.0001299");

  @TempDir Path dir;
  private final String database = "agent_it_" + ProcessHandle.current().pid();

  @Test
  void agentSpansArePricedAndAttributedByTheReceiver() throws Exception {
    try (ReceiverProcess receiver = ReceiverProcess.start(dir, database);
        VendorReplayServer vendor = new VendorReplayServer()) {
      List<String> app =
          AgentProcess.run(
              receiver.endpoint(),
              AgentProcess.fullClasspath(),
              List.of(),
              AgentTestApp.class,
              "openai",
              vendor.baseUrl("127.0.0.1"));
      assertThat(AgentProcess.result(app, "chat-header")).startsWith("chatcmpl-");

      // The app's six calls, one conversation each: from headers (twice), baggage and metadata.
      Map<String, JsonNode> byConversation = receiver.awaitConversations(6);
      assertThat(byConversation)
          .containsOnlyKeys(
              "conv-header-1",
              "conv-baggage-7",
              "conv-metadata-3",
              "conv-baggage-9",
              "conv-inbound-5",
              "conv-app-6");
      JsonNode viaHeader = byConversation.get("conv-header-1");
      assertThat(new BigDecimal(viaHeader.get("total_usd").asText()))
          .isEqualByComparingTo(ONE_CALL_USD);
      assertThat(viaHeader.get("llm_calls").asLong()).isEqualTo(1);
      assertThat(viaHeader.get("turns").asLong()).isEqualTo(1);
      assertThat(viaHeader.get("input_tokens").asLong()).isEqualTo(1342);
      assertThat(viaHeader.get("output_tokens").asLong()).isEqualTo(9);
      assertThat(viaHeader.get("models").toString()).contains("gpt-4o-mini");

      // Only the tenant the app set itself is stored; the ones inbound requests claimed
      // (X-Tenant-Id: acme, baggage costtrace.tenant.id=globex) are not trusted by default.
      List<JsonNode> byTenant = receiver.report("--by", "tenant");
      List<String> tenants = new ArrayList<>();
      for (JsonNode row : byTenant) {
        if (row.has("tenant_id")) {
          tenants.add(row.get("tenant_id").asText());
        }
      }
      assertThat(tenants).contains("initech").doesNotContain("acme", "globex");
      JsonNode initech =
          byTenant.stream()
              .filter(r -> r.has("tenant_id") && r.get("tenant_id").asText().equals("initech"))
              .findFirst()
              .orElseThrow();
      assertThat(new BigDecimal(initech.get("total_usd").asText()))
          .isEqualByComparingTo(ONE_CALL_USD);
      JsonNode summary = byTenant.get(byTenant.size() - 1).get("cost_per_conversation");
      assertThat(summary.get("conversations").asLong()).isEqualTo(6);
      assertThat(new BigDecimal(summary.get("total_usd").asText()))
          .isEqualByComparingTo(ONE_CALL_USD.multiply(BigDecimal.valueOf(6)));
    }
  }
}
