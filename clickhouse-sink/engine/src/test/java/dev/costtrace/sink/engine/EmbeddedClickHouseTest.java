package dev.costtrace.sink.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import dev.costtrace.config.Config;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded engine through the official JDBC driver and client-v2, as production code uses them. */
class EmbeddedClickHouseTest {

  private static Connection connect(ClickHouseEndpoint e, String database) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", e.user());
    p.setProperty("password", e.password());
    return DriverManager.getConnection(e.jdbcUrl(database), p);
  }

  private static String createDatabase(ClickHouseEndpoint e) throws SQLException {
    String db = EngineUnderTest.newDatabase("engine_test");
    try (Connection c = connect(e, "default"); Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + db);
    }
    return db;
  }

  @Test
  void ddlBatchInsertAndTypedRoundTripThroughJdbc() throws Exception {
    ClickHouseEndpoint e = EngineUnderTest.shared();
    String db = createDatabase(e);
    try (Connection c = connect(e, db); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE spans (id UInt32, model LowCardinality(String), note String,"
          + " cost Decimal(38, 12), start DateTime64(9, 'UTC'), tags Map(String, String))"
          + " ENGINE = MergeTree ORDER BY id");
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO spans (id, model, note, cost, start, tags) VALUES (?, ?, ?, ?, ?, ?)")) {
        for (int i = 0; i < 3000; i++) {
          ps.setInt(1, i);
          ps.setString(2, i % 2 == 0 ? "gpt-4o" : "claude-sonnet-4-5");
          ps.setString(3, "line one\n\nafter a blank line " + i);
          ps.setBigDecimal(4, new BigDecimal("0.000000123456").multiply(BigDecimal.valueOf(i)));
          ps.setObject(5, java.time.LocalDateTime.of(2026, 1, 1, 0, 0, 0, 123456789));
          ps.setObject(6, Map.of("tenant", "acme", "i", Integer.toString(i)));
          ps.addBatch();
        }
        ps.executeBatch();
      }
      try (ResultSet rs = s.executeQuery("SELECT count(), sum(cost), countIf(position(note, '\\n\\n') > 0),"
          + " uniqExact(model) FROM spans")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getLong(1)).isEqualTo(3000);
        // 0.000000123456 × (0 + 1 + … + 2999) = 0.000000123456 × 4498500
        assertThat(rs.getBigDecimal(2)).isEqualByComparingTo("0.555366816");
        assertThat(rs.getLong(3)).isEqualTo(3000);
        assertThat(rs.getLong(4)).isEqualTo(2);
      }
      try (ResultSet rs = s.executeQuery("SELECT note, cost, toString(start), tags['i'] FROM spans WHERE id = 7")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("line one\n\nafter a blank line 7");
        assertThat(rs.getBigDecimal(2)).isEqualByComparingTo("0.000000864192");
        assertThat(rs.getString(3)).isEqualTo("2026-01-01 00:00:00.123456789");
        assertThat(rs.getString(4)).isEqualTo("7");
      }
    }
  }

  @Test
  void materializedViewIntoAggregatingMergeTree() throws Exception {
    ClickHouseEndpoint e = EngineUnderTest.shared();
    String db = createDatabase(e);
    try (Connection c = connect(e, db); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE calls (conv String, cost Decimal(38, 12)) ENGINE = MergeTree ORDER BY conv");
      s.execute("CREATE TABLE per_conv (conv String, cost AggregateFunction(sum, Decimal(38, 12)),"
          + " n AggregateFunction(count)) ENGINE = AggregatingMergeTree ORDER BY conv");
      s.execute("CREATE MATERIALIZED VIEW per_conv_mv TO per_conv AS SELECT conv, sumState(cost) AS cost,"
          + " countState() AS n FROM calls GROUP BY conv");
      s.execute("INSERT INTO calls VALUES ('a', 0.5), ('a', 0.25), ('b', 1)");
      try (ResultSet rs = s.executeQuery(
          "SELECT conv, sumMerge(cost), countMerge(n) FROM per_conv GROUP BY conv ORDER BY conv")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getString(1)).isEqualTo("a");
        assertThat(rs.getBigDecimal(2)).isEqualByComparingTo("0.75");
        assertThat(rs.getLong(3)).isEqualTo(2);
      }
    }
  }

  @Test
  void sqlErrorsCarryClickHouseCodeAndMessage() throws Exception {
    ClickHouseEndpoint e = EngineUnderTest.shared();
    try (Connection c = connect(e, "default"); Statement s = c.createStatement()) {
      assertThatThrownBy(() -> s.executeQuery("SELECT * FROM no_such_table_here"))
          .isInstanceOf(SQLException.class)
          .hasMessageContaining("Code: 60")
          .hasMessageContaining("no_such_table_here");
      // the engine is still usable after an error
      try (ResultSet rs = s.executeQuery("SELECT 1 + 1")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(1)).isEqualTo(2);
      }
    }
  }

  @Test
  void clientV2QueryParametersAndDatabaseSwitch() throws Exception {
    ClickHouseEndpoint e = EngineUnderTest.shared();
    String db = createDatabase(e);
    try (Client client = new Client.Builder().addEndpoint(e.httpUrl()).setUsername(e.user())
        .setPassword(e.password()).setDefaultDatabase(db).compressServerResponse(true).build()) {
      client.execute("CREATE TABLE t (k String, v UInt64) ENGINE = MergeTree ORDER BY k").get().close();
      client.execute("INSERT INTO t VALUES ('x', 41), ('y', 1)").get().close();
      List<GenericRecord> rows =
          client.queryAll("SELECT v + 1 AS r, currentDatabase() AS d FROM t WHERE k = {key:String}",
              Map.of("key", "x"));
      assertThat(rows).hasSize(1);
      assertThat(rows.get(0).getLong("r")).isEqualTo(42);
      assertThat(rows.get(0).getString("d")).isEqualTo(db);
    }
  }

  @Test
  void concurrentClientsAreSerialisedSafely() throws Exception {
    ClickHouseEndpoint e = EngineUnderTest.shared();
    String db = createDatabase(e);
    try (Connection c = connect(e, db); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE hits (w UInt32, i UInt32) ENGINE = MergeTree ORDER BY (w, i)");
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Long>> results = new ArrayList<>();
      for (int w = 0; w < 4; w++) {
        int worker = w;
        Callable<Long> job = () -> {
          try (Connection c = connect(e, db); Statement s = c.createStatement()) {
            for (int i = 0; i < 10; i++) {
              s.execute("INSERT INTO hits VALUES (" + worker + ", " + i + ")");
            }
            try (ResultSet rs = s.executeQuery("SELECT count() FROM hits WHERE w = " + worker)) {
              rs.next();
              return rs.getLong(1);
            }
          }
        };
        results.add(pool.submit(job));
      }
      for (Future<Long> f : results) {
        assertThat(f.get()).isEqualTo(10);
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void secondProcessReusesTheRunningEngineAndCloseStopsIt(@TempDir Path dir) throws Exception {
    Path data = dir.resolve("data");
    ClickHouseEndpoint owner = EmbeddedClickHouse.builder().dataDir(data).build().start();
    int port = Integer.parseInt(owner.httpUrl().substring(owner.httpUrl().lastIndexOf(':') + 1));
    ClickHouseEndpoint reuser = EmbeddedClickHouse.builder().dataDir(data).build().start();
    assertThat(reuser.httpUrl()).isEqualTo(owner.httpUrl());
    reuser.close();
    assertThat(EmbeddedClickHouse.ping(port)).isTrue();
    owner.close();
    assertThat(EmbeddedClickHouse.ping(port)).isFalse();
    assertThat(data.resolve(".costtrace-front.json")).doesNotExist();
    // Data survives a restart on the same directory.
    try (ClickHouseEndpoint again = EmbeddedClickHouse.builder().dataDir(data).build().start();
        Connection c = connect(again, "default"); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS kept (x UInt8) ENGINE = MergeTree ORDER BY x");
      s.execute("INSERT INTO kept VALUES (1)");
    }
    try (ClickHouseEndpoint third = EmbeddedClickHouse.builder().dataDir(data).build().start();
        Connection c = connect(third, "default"); Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count() FROM kept")) {
      rs.next();
      assertThat(rs.getLong(1)).isEqualTo(1);
    }
  }

  @Test
  void configuredUrlWinsAsAServer() {
    ClickHouseEndpoint shared = EngineUnderTest.shared();
    ClickHouseEndpoint server = ClickHouseResolver.resolve(
        Config.of(Map.of(), Map.of("CLICKHOUSE_URL", shared.httpUrl(), "CLICKHOUSE_USER", "default")));
    assertThat(server.kind()).isEqualTo(ClickHouseEndpoint.Kind.SERVER);
    assertThat(server.httpUrl()).isEqualTo(shared.httpUrl());
    server.close(); // a configured server is never stopped by us
    assertThat(EmbeddedClickHouse.ping(
        Integer.parseInt(shared.httpUrl().substring(shared.httpUrl().lastIndexOf(':') + 1)))).isTrue();
  }

  @Test
  void badUrlFailsFastNamingTheKey() {
    assertThatThrownBy(() -> ClickHouseResolver.resolve(
        Config.of(Map.of("costtrace.clickhouse.url", "localhost:8123"))))
        .hasMessage("Invalid value 'localhost:8123' for costtrace.clickhouse.url"
            + " (COSTTRACE_CLICKHOUSE_URL): expected an http:// or https:// URL");
  }

  @Test
  void withoutAUrlTheResolverChoosesTheEmbeddedEngineNeverAContainer() {
    ClickHouseEndpoint e = ClickHouseResolver.resolve(Config.of(Map.of(
        "costtrace.clickhouse.embedded.dir", EngineUnderTest.dataDir().toString())));
    assertThat(e.kind()).isEqualTo(ClickHouseEndpoint.Kind.EMBEDDED);
    e.close(); // when it reused the shared engine, that one stays up for the other tests
  }
}
