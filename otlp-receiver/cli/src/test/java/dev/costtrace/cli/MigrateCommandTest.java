package dev.costtrace.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.testing.TestClickHouse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class MigrateCommandTest {

  @AfterEach
  void clear() {
    System.clearProperty("costtrace.clickhouse.url");
    System.clearProperty("costtrace.clickhouse.user");
    System.clearProperty("costtrace.clickhouse.password");
    System.clearProperty("costtrace.clickhouse.database");
  }

  @Test
  void appliesListsAndRevertsOnTheResolvedServer() {
    ClickHouseEndpoint e = TestClickHouse.shared();
    String db = TestClickHouse.newDatabase("cli");
    System.setProperty("costtrace.clickhouse.url", e.httpUrl());
    System.setProperty("costtrace.clickhouse.user", e.user());
    System.setProperty(
        "costtrace.clickhouse.password", e.password()); // the embedded engine's secret
    System.setProperty("costtrace.clickhouse.database", db);
    assertThat(CliRun.ok("migrate"))
        .startsWith(
            "applied "
                + dev.costtrace.sink.schema.Migrator.names().size()
                + " migration(s) to "
                + db
                + " on server ClickHouse at ");
    assertThat(CliRun.ok("migrate")).startsWith("applied 0 migration(s)");
    assertThat(CliRun.ok("migrate", "--status"))
        .contains("0001 0001_spans")
        .contains("applied")
        .doesNotContain("pending");
    assertThat(CliRun.ok("migrate", "--down", "1")).startsWith("reverted 1 migration(s)");
    // The newest migration is the one reverted.
    java.util.List<String> names = dev.costtrace.sink.schema.Migrator.names();
    String last = names.get(names.size() - 1);
    assertThat(CliRun.ok("migrate", "--status"))
        .containsPattern(last.substring(0, 4) + " " + last + " +pending")
        .containsPattern("0005 0005_llm_calls_view +applied");
  }
}
