package dev.costtrace.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.rollup.RollupVerifier;
import dev.costtrace.sink.schema.SchemaOptions;
import dev.costtrace.testing.faults.TurnLoad;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the fault tests require of the database at the end of every case: every acknowledged span
 * stored once, and every rollup equal to its recomputation from the stored spans (and to what the
 * load's conversations cost).
 */
final class Stored {
  private final ClickHouseEndpoint clickhouse;
  private final String db;

  Stored(ClickHouseEndpoint clickhouse, String db) {
    this.clickhouse = clickhouse;
    this.db = db;
  }

  long spans() {
    return scalar("SELECT count() AS n FROM " + db + ".spans").getLong("n");
  }

  long distinctSpans() {
    return scalar("SELECT uniqExact(auth_tenant, trace_id, span_id) AS n FROM " + db + ".span_rows")
        .getLong("n");
  }

  /** Per conversation of these tenant keys: its cost, trailing zeros stripped. */
  Map<String, BigDecimal> conversationCosts(String authTenant) {
    Map<String, BigDecimal> out = new TreeMap<>();
    try (Client c = clickhouse.newClient("default")) {
      for (GenericRecord r :
          c.queryAll(
              "SELECT conversation_id, total_cost FROM "
                  + db
                  + ".conversation_costs WHERE auth_tenant = '"
                  + authTenant
                  + "'")) {
        out.put(r.getString("conversation_id"), r.getBigDecimal("total_cost").stripTrailingZeros());
      }
    }
    return out;
  }

  RollupVerifier.Report verify() {
    try (Client c = clickhouse.newClient("default")) {
      return new RollupVerifier(c, new SchemaOptions(db, "", Duration.ZERO))
          .verify(Duration.ofDays(1));
    }
  }

  /**
   * Waits until the load's every span is stored (the receiver's writer drains its buffer in the
   * background), then requires: each once, the rollups equal to their recomputation, and every
   * conversation's cost the load's.
   */
  void requireExactly(String authTenant, long otherSpans, TurnLoad... loads) {
    long calls = otherSpans;
    Map<String, BigDecimal> expected = new TreeMap<>();
    for (TurnLoad load : loads) {
      calls += load.calls();
      load.expectedCosts().forEach((k, v) -> expected.merge(k, v, BigDecimal::add));
    }
    expected.replaceAll((k, v) -> v.stripTrailingZeros());
    long all = calls;
    await("every acknowledged span stored")
        .atMost(Duration.ofMinutes(2))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(() -> assertThat(spans()).as("every span once").isEqualTo(all));
    assertThat(distinctSpans()).isEqualTo(all);
    // The rollups follow the spans within a batch: wait for the last one, then compare exactly.
    await("the rollups")
        .atMost(Duration.ofMinutes(1))
        .pollInterval(Duration.ofMillis(200))
        .untilAsserted(() -> assertThat(conversationCosts(authTenant)).isEqualTo(expected));
    RollupVerifier.Report report = verify();
    assertThat(report.differences()).as("rollups against their recomputation").isEmpty();
  }

  private GenericRecord scalar(String sql) {
    try (Client c = clickhouse.newClient("default")) {
      return c.queryAll(sql).get(0);
    }
  }
}
