package dev.costtrace.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
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
  private static final ObjectMapper JSON = new ObjectMapper();
  /**
   * gpt-4o-mini, the recorded chat completion: 1,342 input of which 1,024 cached, 9 output:
   * 318 × $0.15/M + 1,024 × $0.075/M + 9 × $0.60/M.
   */
  private static final BigDecimal ONE_CALL_USD = new BigDecimal("0.0001299");

  @TempDir Path dir;
  private final String database = "agent_it_" + ProcessHandle.current().pid();

  @Test
  void agentSpansArePricedAndAttributedByTheReceiver() throws Exception {
    Process serve = costtrace("serve", "--grpc-port", "0", "--http-port", "0").start();
    List<String> serveOut = new ArrayList<>();
    try (VendorReplayServer vendor = new VendorReplayServer()) {
      int httpPort = ReceiverProcess.awaitHttpPort(serve, serveOut);
      List<String> app = AgentProcess.run("http://127.0.0.1:" + httpPort, AgentProcess.fullClasspath(),
          List.of(), AgentTestApp.class, "openai", vendor.baseUrl("127.0.0.1"));
      assertThat(AgentProcess.result(app, "chat-header")).startsWith("chatcmpl-");

      // The app's four calls, one conversation each: from the header, baggage (twice) and metadata.
      Map<String, JsonNode> byConversation = awaitConversations(4);
      assertThat(byConversation).containsOnlyKeys("conv-header-1", "conv-baggage-7", "conv-metadata-3", "conv-baggage-9");
      JsonNode viaHeader = byConversation.get("conv-header-1");
      assertThat(new BigDecimal(viaHeader.get("total_usd").asText())).isEqualByComparingTo(ONE_CALL_USD);
      assertThat(viaHeader.get("llm_calls").asLong()).isEqualTo(1);
      assertThat(viaHeader.get("turns").asLong()).isEqualTo(1);
      assertThat(viaHeader.get("input_tokens").asLong()).isEqualTo(1342);
      assertThat(viaHeader.get("output_tokens").asLong()).isEqualTo(9);
      assertThat(viaHeader.get("models").toString()).contains("gpt-4o-mini");

      // The tenant came only with the inbound request: the one served call is acme's.
      List<JsonNode> byTenant = report("--by", "tenant");
      assertThat(byTenant.get(0).get("tenant_id").asText()).isEqualTo("acme");
      assertThat(new BigDecimal(byTenant.get(0).get("total_usd").asText())).isEqualByComparingTo(ONE_CALL_USD);
      JsonNode summary = byTenant.get(byTenant.size() - 1).get("cost_per_conversation");
      assertThat(summary.get("conversations").asLong()).isEqualTo(4);
      assertThat(new BigDecimal(summary.get("total_usd").asText()))
          .isEqualByComparingTo(ONE_CALL_USD.multiply(BigDecimal.valueOf(4)));
    } finally {
      serve.destroy(); // SIGTERM: drain and flush
      assertThat(serve.waitFor(60, TimeUnit.SECONDS)).as(String.join("\n", serveOut)).isTrue();
    }
  }

  /** Polls the report until {@code n} conversations are there (the app's spans, then the sink). */
  private Map<String, JsonNode> awaitConversations(int n) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    Map<String, JsonNode> rows = new HashMap<>();
    while (System.nanoTime() < deadline) {
      rows.clear();
      for (JsonNode row : report("--by", "conversation")) {
        if (row.has("conversation_id")) {
          rows.put(row.get("conversation_id").asText(), row);
        }
      }
      if (rows.size() >= n) {
        return rows;
      }
      Thread.sleep(500);
    }
    return rows;
  }

  private List<JsonNode> report(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("report", "--format", "json", "--top", "20"));
    cmd.addAll(List.of(args));
    Process p = costtrace(cmd.toArray(new String[0])).start();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(text).isZero();
    List<JsonNode> rows = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.startsWith("{")) {
        rows.add(JSON.readTree(line));
      }
    }
    return rows;
  }

  private ProcessBuilder costtrace(String... args) throws IOException {
    return ReceiverProcess.costtrace(dir, database, List.of(), args);
  }
}
