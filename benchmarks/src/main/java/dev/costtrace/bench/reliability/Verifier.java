package dev.costtrace.bench.reliability;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * Counts, from ClickHouse, what happened to the acknowledged requests: rows stored (spans FINAL,
 * the table's deduplicated view), rows lost, and rows the per-trace rollup counted more than once
 * (the rollup is recomputed from the stored spans, so a count above them is a broken invariant).
 */
final class Verifier {
  /** What ClickHouse holds of one run. */
  record Counts(
      long acknowledgedRows,
      long lostRows,
      long countedTwiceRows,
      long storedUnacknowledgedTraces,
      BigDecimal storedCost,
      BigDecimal expectedCost) {}

  private Verifier() {}

  /** Rows stored in the database now (no FINAL: cheap; duplicates would count). */
  static long storedRows(ClickHouseEndpoint clickhouse, String db) {
    try (Client c = clickhouse.newClient("default")) {
      return c.queryAll("SELECT count() AS n FROM " + db + ".spans").get(0).getLong("n");
    } catch (RuntimeException e) {
      return -1; // unreachable for now
    }
  }

  static Counts count(
      ClickHouseEndpoint clickhouse, String db, TraceRequests requests, Set<Long> acknowledged) {
    Map<String, long[]> stored = new HashMap<>();
    Map<String, BigDecimal> cost = new HashMap<>();
    Map<String, Long> rolledUp = new HashMap<>();
    try (Client c = clickhouse.newClient("default")) {
      // The rollup first: a row still arriving in between then shows in spans, not as a double.
      for (GenericRecord r :
          c.queryAll(
              "SELECT trace_id, sum(llm_calls) + sum(tool_calls) AS n FROM "
                  + db
                  + ".trace_costs GROUP BY trace_id")) {
        rolledUp.put(r.getString("trace_id"), r.getLong("n"));
      }
      for (GenericRecord r :
          c.queryAll(
              "SELECT trace_id, count() AS n, sum(total_cost) AS cost FROM "
                  + db
                  + ".spans FINAL GROUP BY trace_id")) {
        stored.put(r.getString("trace_id"), new long[] {r.getLong("n")});
        cost.put(r.getString("trace_id"), r.getBigDecimal("cost"));
      }
    }
    long lost = 0;
    BigDecimal storedCost = BigDecimal.ZERO;
    java.util.Set<String> acknowledgedTraces = new java.util.HashSet<>();
    for (long n : acknowledged) {
      String trace = requests.traceIdHex(n);
      acknowledgedTraces.add(trace);
      long[] s = stored.get(trace);
      lost += TraceRequests.LLM_CALLS - (s == null ? 0 : s[0]);
      storedCost = storedCost.add(cost.getOrDefault(trace, BigDecimal.ZERO));
    }
    long twice = 0;
    for (Map.Entry<String, Long> e : rolledUp.entrySet()) {
      long[] s = stored.get(e.getKey());
      twice += Math.max(0, e.getValue() - (s == null ? 0 : s[0]));
    }
    long unacknowledged =
        stored.keySet().stream().filter(t -> !acknowledgedTraces.contains(t)).count();
    return new Counts(
        (long) acknowledged.size() * TraceRequests.LLM_CALLS,
        lost,
        twice,
        unacknowledged,
        storedCost,
        TraceRequests.COST.multiply(BigDecimal.valueOf(acknowledged.size())));
  }
}
