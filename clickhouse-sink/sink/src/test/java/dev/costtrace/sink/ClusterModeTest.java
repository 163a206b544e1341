package dev.costtrace.sink;

import static dev.costtrace.sink.ClickHouseSinkTest.T0;
import static dev.costtrace.sink.ClickHouseSinkTest.sum;
import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.Client;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.engine.EmbeddedClickHouse;
import dev.costtrace.sink.rollup.RollupVerifier;
import dev.costtrace.sink.schema.Migrator;
import dev.costtrace.sink.schema.SchemaOptions;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cluster mode on the embedded engine, as far as it can hold one: chDB reads a {@code config.xml}
 * from its working directory, so this engine gets one declaring a cluster of one local shard. The
 * schema renders as on a cluster (the {@code *_local} tables, {@code Distributed} tables sharded by
 * trace, and views over them) but without Keeper (no Replicated engines, no ON CLUSTER: chDB has
 * neither), and the sink writes and recomputes through the {@code Distributed} tables with the
 * cluster's read-your-writes settings. What this cannot run: replicas, quorum inserts, several
 * shards (chDB has no native-protocol server for a second shard to be reached at).
 */
class ClusterModeTest {
  static final String CLUSTER = "costtrace_test";
  private static final Pattern STATE = Pattern.compile("\"pid\":(\\d+)");

  @TempDir static Path dir;
  static ClickHouseEndpoint engine;

  /**
   * An engine like the tests' own, started from a copy of its installation (the npm packages
   * linked, not installed again) whose directory, the engine's working directory, holds the cluster
   * config.
   */
  @BeforeAll
  static void engineWithACluster() throws Exception {
    Path probe = dir.resolve("probe");
    ClickHouseEndpoint first = EmbeddedClickHouse.builder().dataDir(probe).build().start();
    Path install;
    try {
      Matcher m = STATE.matcher(Files.readString(probe.resolve(".costtrace-front.json")));
      assertThat(m.find()).isTrue();
      String frontJs =
          ProcessHandle.of(Long.parseLong(m.group(1)))
              .orElseThrow()
              .info()
              .arguments()
              .orElseThrow()[0];
      install = Path.of(frontJs).getParent();
    } finally {
      first.close();
    }
    Path root = dir.resolve("install");
    Path copy = root.resolve(install.getFileName());
    Files.createDirectories(copy);
    Files.createSymbolicLink(copy.resolve("node_modules"), install.resolve("node_modules"));
    Files.writeString(
        copy.resolve("config.xml"),
        """
        <clickhouse>
          <tcp_port>9000</tcp_port>
          <remote_servers>
            <%s>
              <shard><internal_replication>true</internal_replication>
                <replica><host>localhost</host><port>9000</port></replica></shard>
            </%s>
          </remote_servers>
        </clickhouse>
        """
            .formatted(CLUSTER, CLUSTER));
    engine =
        EmbeddedClickHouse.builder().installRoot(root).dataDir(dir.resolve("data")).build().start();
  }

  @AfterAll
  static void stop() {
    if (engine != null) {
      engine.close();
    }
  }

  @Test
  void theSinkWritesAndRecomputesThroughDistributedTables() throws Exception {
    SchemaOptions schema = new SchemaOptions("cluster_db", CLUSTER, Duration.ZERO, false);
    try (Client c = engine.newClient("default")) {
      assertThat(
              c.queryAll(
                      "SELECT count() AS n FROM system.clusters WHERE cluster = '"
                          + CLUSTER
                          + "' AND is_local")
                  .get(0)
                  .getLong("n"))
          .isEqualTo(1);
      assertThat(new Migrator(c, schema).up()).isEqualTo(Migrator.names().size());
      assertThat(
              c.queryAll(
                      "SELECT engine FROM system.tables WHERE database = 'cluster_db' AND name = 'span_rows'")
                  .get(0)
                  .getString("engine"))
          .isEqualTo("Distributed");
    }
    List<SpanCostRow> rows = ClickHouseSinkTest.spans(40, 4, 17);
    List<SpanAttribution> attributions = ClickHouseSinkTest.attributions(rows, 4, 6);
    try (ClickHouseSink sink =
        ClickHouseSink.builder()
            .client(engine.newClient("default"), true)
            .schema(schema)
            .bufferDir(dir.resolve("buffer"))
            .batchSize(30)
            .maxBatchDelay(Duration.ofMillis(10))
            .build()) {
      for (int i = 0; i < rows.size(); i += 16) {
        sink.accept(rows.subList(i, i + 16), List.of());
        sink.accept(List.of(), attributions.subList(i / 4, i / 4 + 4));
      }
      sink.accept(rows.subList(0, 40), List.of()); // retries
      // a late, earlier observation moves a trace to another conversation through the shards
      sink.accept(
          List.of(),
          List.of(
              new SpanAttribution(
                  "",
                  rows.get(0).traceId(),
                  "0000000000000001",
                  T0 - 100,
                  "conv-moved",
                  "",
                  "",
                  "",
                  Map.of(),
                  T0)));
      assertThat(sink.flush(Duration.ofSeconds(60))).isTrue();
    }
    try (Client c = engine.newClient("default")) {
      assertThat(c.queryAll("SELECT count() AS n FROM cluster_db.spans").get(0).getLong("n"))
          .isEqualTo(160);
      assertThat(
              c.queryAll("SELECT count() AS n FROM cluster_db.span_rows_local").get(0).getLong("n"))
          .as("on the shard")
          .isGreaterThanOrEqualTo(160);
      BigDecimal total =
          c.queryAll("SELECT sum(total_cost) AS s FROM cluster_db.conversation_costs")
              .get(0)
              .getBigDecimal("s");
      assertThat(total).isEqualByComparingTo(sum(rows));
      assertThat(
              c.queryAll(
                      "SELECT total_cost AS s FROM cluster_db.conversation_costs WHERE conversation_id = 'conv-moved'")
                  .get(0)
                  .getBigDecimal("s"))
          .isEqualByComparingTo(sum(rows.subList(0, 4)));
      RollupVerifier.Report report = new RollupVerifier(c, schema).verify(Duration.ofDays(3650));
      assertThat(report.differences()).isEmpty();
      assertThat(report.traces()).isEqualTo(40);
    }
  }
}
