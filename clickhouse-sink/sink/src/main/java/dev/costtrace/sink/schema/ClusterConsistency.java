package dev.costtrace.sink.schema;

import com.clickhouse.client.api.insert.InsertSettings;
import com.clickhouse.client.api.query.QuerySettings;

/**
 * Read-your-writes on a cluster, for what the writer's exactly-once relies on: every write goes
 * through the {@code Distributed} tables synchronously ({@code distributed_foreground_insert}, so
 * that it is on its shard when the insert returns) and to a majority of the shard's replicas
 * ({@code insert_quorum = 'auto'}, one quorum insert at a time per table), and the reads that a
 * recomputation makes right after see every quorum write ({@code select_sequential_consistency}).
 * Without these, a {@code Distributed} insert is queued and sent in the background, and a read
 * through it may reach a replica that has not caught up: a recomputation could miss the rows just
 * written and commit a rollup without them. On one server none of this applies.
 */
public final class ClusterConsistency {
  private ClusterConsistency() {}

  /** For an insert through a {@code Distributed} table. */
  public static InsertSettings writes(InsertSettings s) {
    return s.serverSetting("distributed_foreground_insert", "1")
        .serverSetting("insert_quorum", "auto")
        .serverSetting("insert_quorum_parallel", "0");
  }

  /** For an {@code INSERT ... SELECT} through {@code Distributed} tables. */
  public static <T extends QuerySettings> T writesAndReads(T s) {
    s.serverSetting("distributed_foreground_insert", "1");
    s.serverSetting("insert_quorum", "auto");
    s.serverSetting("insert_quorum_parallel", "0");
    s.serverSetting("select_sequential_consistency", "1");
    return s;
  }

  /** For a read of what was just written. */
  public static QuerySettings reads(QuerySettings s) {
    s.serverSetting("select_sequential_consistency", "1");
    return s;
  }
}
