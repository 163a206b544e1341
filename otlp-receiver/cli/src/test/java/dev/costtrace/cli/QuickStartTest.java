package dev.costtrace.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.testing.SelfSignedCert;
import dev.costtrace.testing.TestClickHouse;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The quick start: serve --demo-only through real OTLP into ClickHouse, then report on it. */
class QuickStartTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @AfterEach
  void clear() {
    for (String k :
        List.of(
            "costtrace.clickhouse.url",
            "costtrace.clickhouse.user",
            "costtrace.clickhouse.password",
            "costtrace.clickhouse.database",
            "costtrace.sink.buffer.dir",
            "costtrace.auth.tokens.file",
            "costtrace.tls.cert.file",
            "costtrace.tls.key.file")) {
      System.clearProperty(k);
    }
  }

  @Test
  void demoThenReport() throws Exception {
    ClickHouseEndpoint e = TestClickHouse.shared();
    String db = TestClickHouse.newDatabase("quickstart");
    System.setProperty("costtrace.clickhouse.url", e.httpUrl());
    System.setProperty("costtrace.clickhouse.user", e.user());
    System.setProperty(
        "costtrace.clickhouse.password", e.password()); // the embedded engine's secret
    System.setProperty("costtrace.clickhouse.database", db);
    System.setProperty("costtrace.sink.buffer.dir", dir.resolve("buffer").toString());

    String serve =
        CliRun.ok(
            "serve",
            "--demo-only",
            "--demo-conversations",
            "40",
            "--grpc-port",
            "0",
            "--http-port",
            "0");
    assertThat(serve)
        .contains("demo sent 40 conversations")
        .contains("cost per conversation over 40 conversations")
        .contains("draining and flushing");

    List<JsonNode> lines = new ArrayList<>();
    for (String line : CliRun.ok("report", "--format", "json", "--top", "5").split("\n")) {
      lines.add(JSON.readTree(line));
    }
    assertThat(lines).hasSize(6);
    BigDecimal previous = null;
    for (JsonNode row : lines.subList(0, 5)) {
      assertThat(row.get("conversation_id").asText()).startsWith("conv-");
      assertThat(row.get("turns").asLong()).isPositive();
      assertThat(row.get("llm_calls").asLong()).isEqualTo(row.get("turns").asLong());
      BigDecimal total = new BigDecimal(row.get("total_usd").asText());
      if (previous != null) {
        assertThat(total).isLessThanOrEqualTo(previous);
      }
      previous = total;
    }
    JsonNode summary = lines.get(5).get("cost_per_conversation");
    assertThat(summary.get("conversations").asLong()).isEqualTo(40);
    BigDecimal p50 = new BigDecimal(summary.get("p50_usd").asText());
    BigDecimal p95 = new BigDecimal(summary.get("p95_usd").asText());
    BigDecimal p99 = new BigDecimal(summary.get("p99_usd").asText());
    assertThat(p50).isPositive().isLessThanOrEqualTo(p95);
    assertThat(p95).isLessThanOrEqualTo(p99);

    String byModel = CliRun.ok("report", "--by", "model");
    assertThat(byModel).startsWith("model").contains("gpt-4o-mini");
  }

  @Test
  void demoWithAuthAndTlsOnSendsAsTheDemoTenantOverHttps() throws Exception {
    ClickHouseEndpoint e = TestClickHouse.shared();
    String db = TestClickHouse.newDatabase("quickstart_secure");
    SelfSignedCert cert = SelfSignedCert.create(dir);
    System.setProperty("costtrace.clickhouse.url", e.httpUrl());
    System.setProperty("costtrace.clickhouse.user", e.user());
    System.setProperty(
        "costtrace.clickhouse.password", e.password()); // the embedded engine's secret
    System.setProperty("costtrace.clickhouse.database", db);
    System.setProperty("costtrace.sink.buffer.dir", dir.resolve("buffer").toString());
    System.setProperty(
        "costtrace.auth.tokens.file",
        Files.writeString(dir.resolve("tokens"), "acme=s3cret-acme-token\n").toString());
    System.setProperty("costtrace.tls.cert.file", cert.certFile().toString());
    System.setProperty("costtrace.tls.key.file", cert.keyFile().toString());

    String serve =
        CliRun.ok(
            "serve",
            "--demo-only",
            "--demo-conversations",
            "8",
            "--grpc-port",
            "0",
            "--http-port",
            "0");
    assertThat(serve)
        .contains("bearer-token auth on, 1 tokens")
        .contains("the demo sends as tenant 'demo'")
        .contains("demo sent 8 conversations")
        .contains("cost per conversation over 8 conversations")
        .doesNotContain("warning");

    // The token's tenant wins over the demo's own tenant attributes: every conversation is
    // "demo's".
    String byTenant = CliRun.ok("report", "--by", "tenant", "--format", "json");
    JsonNode first = JSON.readTree(byTenant.split("\n")[0]);
    assertThat(first.get("tenant_id").asText()).isEqualTo("demo");
    assertThat(byTenant.split("\n")).hasSize(2); // one tenant row and the summary
  }

  @Test
  void badReportArguments() {
    CliRun.Result r = CliRun.execute("report", "--by", "planet");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err())
        .contains("--by must be conversation, trace, model, tenant or feature, not 'planet'");
  }
}
