package dev.costtrace.sink.schema;

import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import dev.costtrace.sink.rollup.RollupVerifier;
import dev.costtrace.testing.TestClickHouse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * Migration 0006 on a database that has data in the schema of 0005: spans, trace attributions (one
 * tenant from a token, one trace with no attribution row), and the old rollup. Everything survives:
 * the same spans, the same cost per conversation with the same tenant, now exact; and back down to
 * 0005, the same again.
 */
class UpgradeTest {
  private static final String SPANS =
      "INSERT INTO {db}.spans (trace_id, span_id, start_time, end_time,"
          + " service_name, conversation_id, tenant_id, operation, request_model, total_cost, pricing_status,"
          + " attribution_version) VALUES";

  @Test
  void dataInTheOldSchemaSurvivesTheUpgradeAndTheWayBack() {
    String db = TestClickHouse.newDatabase("upgrade");
    try (Client c = TestClickHouse.shared().newClient("default")) {
      Migrator m = new Migrator(c, new SchemaOptions(db, "", Duration.ZERO));
      m.up();
      // 0006 and every migration after it: reverted, they leave the schema of 0005
      int from0006 = Migrator.names().size() - Migrator.names().indexOf("0005_llm_calls_view") - 1;
      assertThat(m.down(from0006)).isEqualTo(from0006); // a database of before this change
      String t1 = "'11111111111111111111111111111111'";
      String t2 = "'22222222222222222222222222222222'";
      String t3 = "'33333333333333333333333333333333'";
      run(
          c,
          db,
          SPANS
              + " ("
              + t1
              + ", 'a000000000000001', now64(9), now64(9), 'svc', '', '', 'chat', 'gpt-4o', 0.100000000001, 'PRICED', 0),"
              + " ("
              + t1
              + ", 'a000000000000002', now64(9), now64(9), 'svc', '', '', 'chat', 'gpt-4o', 0.2, 'PRICED', 0),"
              + " ("
              + t2
              + ", 'b000000000000001', now64(9), now64(9), 'svc', '', '', 'execute_tool', '', 0.05, 'PRICED', 0),"
              + " ("
              + t3
              + ", 'c000000000000001', now64(9), now64(9), 'svc', 'conv-span', 'carried', 'chat', 'x', 0.5, 'UNKNOWN_MODEL', 0)");
      run(
          c,
          db,
          "INSERT INTO {db}.trace_attributions VALUES"
              + " ("
              + t1
              + ", 'conv-1', 'acme', 'u1', 'f1', map(), now64(9), 2),"
              + " ("
              + t1
              + ", '', 'spoofed', '', '', map(), now64(9), 1),"
              + " ("
              + t2
              + ", 'conv-1', 'acme', '', '', map(), now64(9), 1)");
      Map<String, String> before = conversations(c, db);
      assertThat(before)
          .containsEntry("conv-1", "0.350000000001 acme 2")
          .containsEntry("conv-span", "0.5 carried 1");

      assertThat(m.up()).isEqualTo(from0006);
      assertThat(count(c, db, "SELECT count() AS n FROM {db}.spans")).isEqualTo(4);
      assertThat(count(c, db, "SELECT count() AS n FROM {db}.span_rows")).isEqualTo(4);
      // Calls stored before sampling was known were counted: each stands for itself.
      assertThat(count(c, db, "SELECT countIf(adjusted_count = 1) AS n FROM {db}.span_rows"))
          .isEqualTo(4);
      assertThat(conversations(c, db)).isEqualTo(before);
      assertThat(
              count(
                  c,
                  db,
                  "SELECT count() AS n FROM {db}.llm_calls WHERE conversation_id = 'conv-1'"))
          .isEqualTo(3);
      assertThat(
              new RollupVerifier(c, new SchemaOptions(db, "", Duration.ZERO))
                  .verify(Duration.ofDays(1))
                  .differences())
          .isEmpty();

      assertThat(m.down(from0006)).isEqualTo(from0006);
      assertThat(count(c, db, "SELECT count() AS n FROM {db}.spans")).isEqualTo(4);
      assertThat(conversations(c, db)).isEqualTo(before);
      assertThat(m.up()).isEqualTo(from0006);
      assertThat(conversations(c, db)).isEqualTo(before);
    }
  }

  private static Map<String, String> conversations(Client c, String db) {
    Map<String, String> out = new TreeMap<>();
    for (GenericRecord r :
        c.queryAll(
            ("SELECT conversation_id, toString(total_cost) AS cost, tenant_id, turns"
                    + " FROM {db}.conversation_costs")
                .replace("{db}", db))) {
      out.put(
          r.getString("conversation_id"),
          r.getString("cost") + " " + r.getString("tenant_id") + " " + r.getLong("turns"));
    }
    return out;
  }

  private static long count(Client c, String db, String sql) {
    return c.queryAll(sql.replace("{db}", db)).get(0).getLong("n");
  }

  private static void run(Client c, String db, String sql) {
    c.queryAll(sql.replace("{db}", db));
  }
}
