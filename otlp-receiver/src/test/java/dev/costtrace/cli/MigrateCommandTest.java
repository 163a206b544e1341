package dev.costtrace.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.engine.TestClickHouse;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class MigrateCommandTest {

  @AfterEach
  void clear() {
    System.clearProperty("costtrace.clickhouse.url");
    System.clearProperty("costtrace.clickhouse.database");
  }

  private static String run(String... args) {
    StringWriter out = new StringWriter();
    CommandLine cli = CostTrace.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(out));
    assertThat(cli.execute(args)).as(out.toString()).isZero();
    return out.toString();
  }

  @Test
  void appliesListsAndRevertsOnTheResolvedServer() {
    ClickHouseEndpoint e = TestClickHouse.shared();
    String db = TestClickHouse.newDatabase("cli");
    System.setProperty("costtrace.clickhouse.url", e.httpUrl());
    System.setProperty("costtrace.clickhouse.database", db);
    assertThat(run("migrate")).startsWith("applied 4 migration(s) to " + db + " on server ClickHouse at ");
    assertThat(run("migrate")).startsWith("applied 0 migration(s)");
    assertThat(run("migrate", "--status")).contains("0001 0001_spans").contains("applied")
        .doesNotContain("pending");
    assertThat(run("migrate", "--down", "1")).startsWith("reverted 1 migration(s)");
    assertThat(run("migrate", "--status")).containsPattern("0004 0004_conversation_views +pending");
  }
}
