package dev.costtrace.sink.schema;

import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.Client;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.testing.TestClickHouse;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class MigratorTest {

  @Test
  void upDownStatusOnTheRealEngine() {
    ClickHouseEndpoint e = TestClickHouse.shared();
    String db = TestClickHouse.newDatabase("migrate");
    try (Client client = e.newClient("default")) {
      Migrator m = new Migrator(client, new SchemaOptions(db, "", Duration.ofDays(90)));
      assertThat(m.up()).isEqualTo(Migrator.names().size());
      assertThat(m.up()).isZero();
      assertThat(m.status()).allMatch(Migrator.Migration::applied);
      assertThat(
              client
                  .queryAll(
                      "SELECT name FROM system.tables WHERE database = '" + db + "' ORDER BY name")
                  .stream()
                  .map(r -> r.getString("name"))
                  .toList())
          .contains(
              "span_rows",
              "span_attributions",
              "trace_rollups",
              "conversation_rollups",
              "spans",
              "trace_costs",
              "trace_rollup",
              "conversation_costs",
              "llm_calls",
              "budget_events",
              "budget_notifications",
              "schema_migrations")
          .doesNotContain("trace_attributions", "trace_costs_mv");
      int last = Migrator.names().size() - 1;
      assertThat(m.down(1)).isEqualTo(1);
      assertThat(m.status().get(last).applied()).isFalse();
      assertThat(m.status().get(last - 1).applied()).isTrue();
      assertThat(m.up()).isEqualTo(1);
      assertThat(m.down(Migrator.names().size())).isEqualTo(Migrator.names().size());
      assertThat(
              client
                  .queryAll(
                      "SELECT count() AS n FROM system.tables WHERE database = '"
                          + db
                          + "' AND name != 'schema_migrations'")
                  .get(0)
                  .getLong("n"))
          .isZero();
    }
  }

  /**
   * An upgrade brings a migration numbered below ones already applied: it is applied last, so
   * {@code down 1} reverts it, not the highest number.
   */
  @Test
  void downRevertsTheLastAppliedFirstWhateverItsNumber() {
    ClickHouseEndpoint e = TestClickHouse.shared();
    String db = TestClickHouse.newDatabase("migrate_order");
    try (Client client = e.newClient("default")) {
      Migrator m = new Migrator(client, new SchemaOptions(db, "", Duration.ofDays(90)));
      m.up();
      // As a database from before 0020 existed: 0020 undone and recorded as not applied.
      String budgets = "0020_budget_events";
      for (String sql : m.statements(budgets, false)) {
        client.queryAll(sql);
      }
      client.queryAll(
          "INSERT INTO " + db + ".schema_migrations VALUES (20, '" + budgets + "', 0, now64(6))");
      assertThat(m.up()).as("the upgrade applies only 0020").isEqualTo(1);
      assertThat(m.down(1)).isEqualTo(1);
      assertThat(m.status())
          .filteredOn(x -> !x.applied())
          .extracting(Migrator.Migration::name)
          .containsExactly(budgets);
      assertThat(m.up()).isEqualTo(1);
      assertThat(m.status()).allMatch(Migrator.Migration::applied);
    }
  }

  @Test
  void severalReceiversStartingAtOnceConverge() throws Exception {
    ClickHouseEndpoint e = TestClickHouse.shared();
    String db = TestClickHouse.newDatabase("migrate_race");
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try {
      List<Future<Integer>> runs = new java.util.ArrayList<>();
      for (int i = 0; i < 3; i++) {
        runs.add(
            pool.submit(
                () -> {
                  try (Client client = e.newClient("default")) {
                    return new Migrator(client, new SchemaOptions(db, "", Duration.ZERO)).up();
                  }
                }));
      }
      for (Future<Integer> f : runs) {
        f.get();
      }
      try (Client client = e.newClient("default")) {
        assertThat(new Migrator(client, new SchemaOptions(db, "", Duration.ZERO)).status())
            .allMatch(Migrator.Migration::applied);
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
