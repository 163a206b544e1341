package dev.costtrace.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.testing.LoopbackGate;
import dev.costtrace.testing.TestClickHouse;
import java.net.URI;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every command that talks to ClickHouse, against a server that accepts connections and never
 * answers (a gate in front of the real engine, stalled): each fails within its configured timeouts
 * with an error, where client-v2's defaults would wait for ever.
 */
class StalledClickHouseCommandTest {
  static LoopbackGate gate;

  @BeforeAll
  static void stall() throws Exception {
    ClickHouseEndpoint endpoint = TestClickHouse.shared();
    URI url = URI.create(endpoint.httpUrl());
    gate = new LoopbackGate(url.getHost(), url.getPort());
    gate.stall();
    System.setProperty("costtrace.clickhouse.url", "http://127.0.0.1:" + gate.port());
    System.setProperty("costtrace.clickhouse.user", endpoint.user());
    System.setProperty("costtrace.clickhouse.password", endpoint.password());
    System.setProperty("costtrace.clickhouse.database", TestClickHouse.newDatabase("stalled"));
    System.setProperty("costtrace.clickhouse.query.timeout", "1s");
    System.setProperty("costtrace.clickhouse.socket.timeout", "1s");
  }

  @AfterAll
  static void clear() throws Exception {
    ReviewData.clearCli();
    System.clearProperty("costtrace.clickhouse.query.timeout");
    System.clearProperty("costtrace.clickhouse.socket.timeout");
    gate.close();
  }

  @ParameterizedTest
  @ValueSource(strings = {"report", "review", "verify", "migrate", "reprice"})
  void failsWithinItsTimeoutInsteadOfHanging(String command) {
    String[] args =
        command.equals("reprice")
            ? new String[] {"reprice", "--since", "2026-01-01", "--dry-run"}
            : new String[] {command};
    int before = gate.heldConnections();
    // Statements may wait the query timeout plus a 5 s grace; the connection pool may try twice.
    CliRun.Result r = assertTimeoutPreemptively(Duration.ofSeconds(45), () -> CliRun.execute(args));
    assertThat(r.exit()).as(r.out() + r.err()).isNotZero();
    assertThat(gate.heldConnections()).as("it did reach the stalled server").isGreaterThan(before);
    assertThat(r.out() + r.err()).containsIgnoringCase("timeout");
  }
}
