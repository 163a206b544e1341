package dev.costtrace.sink.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.costtrace.config.Config;
import dev.costtrace.config.ConfigException;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClickHouseTimeoutsTest {
  @Test
  void defaultsAndSettingsInEitherSpelling() {
    assertThat(ClickHouseTimeouts.fromConfig(Config.of(Map.of(), Map.of())))
        .isEqualTo(
            new ClickHouseTimeouts(
                Duration.ofSeconds(30), Duration.ofSeconds(10), Duration.ofSeconds(120)));
    ClickHouseTimeouts t =
        ClickHouseTimeouts.fromConfig(
            Config.of(
                Map.of("costtrace.clickhouse.connect.timeout", "2s"),
                Map.of(
                    "COSTTRACE_CLICKHOUSE_SOCKET_TIMEOUT",
                    "1500ms",
                    "COSTTRACE_CLICKHOUSE_QUERY_TIMEOUT",
                    "1m")));
    assertThat(t)
        .isEqualTo(
            new ClickHouseTimeouts(
                Duration.ofMillis(1500), Duration.ofSeconds(2), Duration.ofMinutes(1)));
    assertThat(t.clientWait())
        .as("the server's limit, then a grace for its answer")
        .isEqualTo(Duration.ofSeconds(65));
  }

  @Test
  void badValuesFailNamingTheKey() {
    assertThatThrownBy(
            () ->
                ClickHouseTimeouts.fromConfig(
                    Config.of(Map.of(), Map.of("COSTTRACE_CLICKHOUSE_SOCKET_TIMEOUT", "0s"))))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("costtrace.clickhouse.socket.timeout")
        .hasMessageContaining("COSTTRACE_CLICKHOUSE_SOCKET_TIMEOUT");
    assertThatThrownBy(
            () ->
                ClickHouseTimeouts.fromConfig(
                    Config.of(Map.of("costtrace.clickhouse.connect.timeout", "soon"), Map.of())))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("costtrace.clickhouse.connect.timeout");
    assertThatThrownBy(
            () ->
                ClickHouseTimeouts.fromConfig(
                    Config.of(Map.of("costtrace.clickhouse.query.timeout", "0"), Map.of())))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("COSTTRACE_CLICKHOUSE_QUERY_TIMEOUT");
  }
}
