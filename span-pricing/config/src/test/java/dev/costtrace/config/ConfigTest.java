package dev.costtrace.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ConfigTest {

  @Test
  void propertyBeatsEnvironmentVariable() {
    Config config =
        Config.of(Map.of("costtrace.http.port", "9000"), Map.of("COSTTRACE_HTTP_PORT", "8000"));
    assertThat(config.getPort("costtrace.http.port")).contains(9000);
  }

  @Test
  void environmentVariableIsReadByItsUpperCaseName() {
    Config config = Config.of(Map.of(), Map.of("COSTTRACE_ATTRIBUTION_WINDOW", "45s"));
    assertThat(config.getDuration("costtrace.attribution.window")).contains(Duration.ofSeconds(45));
  }

  @Test
  void unsetAndBlankAreEmpty() {
    Config config = Config.of(Map.of("costtrace.a", "  "));
    assertThat(config.getString("costtrace.a")).isEmpty();
    assertThat(config.getInt("costtrace.b")).isEmpty();
  }

  @Test
  void badNumberNamesKeyAndValue() {
    Config config = Config.of(Map.of(), Map.of("COSTTRACE_GRPC_PORT", "forty"));
    assertThatThrownBy(() -> config.getPort("costtrace.grpc.port"))
        .isInstanceOf(ConfigException.class)
        .hasMessage(
            "Invalid value 'forty' for costtrace.grpc.port (COSTTRACE_GRPC_PORT): expected a whole"
                + " number");
  }

  @Test
  void portOutOfRangeFails() {
    assertThatThrownBy(() -> Config.of(Map.of("costtrace.p", "70000")).getPort("costtrace.p"))
        .hasMessageContaining("expected a number from 0 to 65535");
  }

  @Test
  void durationsSizesListsMapsAndBooleans() {
    Config config =
        Config.of(
            Map.of(
                "d", "250ms",
                "d2", "1500",
                "s", "4MiB",
                "l", "a, b,,c",
                "m", "k1=v1, k2 = v2",
                "b", "TRUE"));
    assertThat(config.getDuration("d")).contains(Duration.ofMillis(250));
    assertThat(config.getDuration("d2")).contains(Duration.ofMillis(1500));
    assertThat(config.getBytes("s")).contains(4L * 1024 * 1024);
    assertThat(config.getList("l")).contains(List.of("a", "b", "c"));
    assertThat(config.getMap("m")).contains(Map.of("k1", "v1", "k2", "v2"));
    assertThat(config.getBoolean("b")).contains(true);
  }

  @Test
  void badDurationBooleanAndMapFail() {
    Config config = Config.of(Map.of("d", "soon", "b", "yes", "m", "novalue"));
    assertThatThrownBy(() -> config.getDuration("d")).hasMessageContaining("'soon' for d (D)");
    assertThatThrownBy(() -> config.getBoolean("b")).hasMessageContaining("expected true or false");
    assertThatThrownBy(() -> config.getMap("m")).hasMessageContaining("key=value");
  }

  @Test
  void overridesWin() {
    Config config = Config.of(Map.of("a", "1")).withOverrides(Map.of("a", "2"));
    assertThat(config.getInt("a")).contains(2);
  }
}
