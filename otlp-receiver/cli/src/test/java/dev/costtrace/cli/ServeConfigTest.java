package dev.costtrace.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code costtrace serve} refuses a bad setting before it starts anything, naming the key. */
class ServeConfigTest {
  @TempDir Path dir;

  static CliRun.Result serveWith(Map<String, String> properties) {
    properties.forEach(System::setProperty);
    try {
      return CliRun.execute("serve", "--grpc-port", "0", "--http-port", "0");
    } finally {
      properties.keySet().forEach(System::clearProperty);
    }
  }

  @Test
  void badValuesFailFastNamingTheKey() throws Exception {
    assertThat(serveWith(Map.of("costtrace.worker.threads", "0")).err())
        .contains("costtrace.worker.threads")
        .contains("workerThreads must be positive")
        .doesNotContain("finding ClickHouse");
    assertThat(serveWith(Map.of("costtrace.memory.budget", "12")).err())
        .contains("costtrace.memory.budget")
        .contains("at least 1 MiB");
    assertThat(serveWith(Map.of("costtrace.worker.queue", "many")).err())
        .contains("costtrace.worker.queue");
    assertThat(serveWith(Map.of("costtrace.span.max.future.skew", "soon")).err())
        .contains("costtrace.span.max.future.skew")
        .doesNotContain("finding ClickHouse");
    assertThat(serveWith(Map.of("costtrace.span.max.future.skew", "-1h")).err())
        .contains("costtrace.span.max.future.skew")
        .doesNotContain("finding ClickHouse");
    assertThat(serveWith(Map.of("costtrace.tls.cert.file", "/nowhere/cert.pem")).err())
        .contains("costtrace.tls.key.file")
        .contains("TLS needs both");
    Path key = Files.writeString(dir.resolve("key.pem"), "not a key");
    Path cert = Files.writeString(dir.resolve("cert.pem"), "not a cert");
    assertThat(
            serveWith(
                    Map.of(
                        "costtrace.tls.cert.file",
                        cert.toString(),
                        "costtrace.tls.key.file",
                        key.toString()))
                .err())
        .contains("costtrace.tls.cert.file")
        .contains("cannot use the TLS certificate");
    assertThat(
            serveWith(Map.of("costtrace.auth.tokens.file", dir.resolve("missing").toString()))
                .err())
        .contains("costtrace.auth.tokens.file")
        .contains("cannot read the tokens file");
    Path infra =
        Files.writeString(
            dir.resolve("infra.yaml"),
            "rules:\n  - name: gpu\n    match: {service: inference}\n    monthly_usd: lots\n"
                + "    allocate: per_second\n");
    assertThat(serveWith(Map.of("costtrace.infra.costs", infra.toString())).err())
        .contains("costtrace.infra.costs")
        .contains("rule 1 (gpu) at line 2: monthly_usd must be a number, not 'lots'")
        .doesNotContain("finding ClickHouse");
    assertThat(serveWith(Map.of("costtrace.infra.grace", "-1m")).err())
        .contains("costtrace.infra.grace");
  }
}
