package dev.costtrace.sink.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import dev.costtrace.config.Config;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded engine through the official JDBC driver and client-v2, as production code uses them.
 */
class EmbeddedClickHouseTest {

  private static Connection connect(ClickHouseEndpoint e, String database) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", e.user());
    p.setProperty("password", e.password());
    return DriverManager.getConnection(e.jdbcUrl(database), p);
  }

  private static String createDatabase(ClickHouseEndpoint e) throws SQLException {
    String db = EngineUnderTest.newDatabase("engine_test");
    try (Connection c = connect(e, "default");
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + db);
    }
    return db;
  }

  @Test
  void ddlBatchInsertAndTypedRoundTripThroughJdbc() throws Exception {
    ClickHouseEndpoint e = EngineUnderTest.shared();
    String db = createDatabase(e);
    try (Connection c = connect(e, db);
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE spans (id UInt32, model LowCardinality(String), note String,"
              + " cost Decimal(38, 12), start DateTime64(9, 'UTC'), tags Map(String, String))"
              + " ENGINE = MergeTree ORDER BY id");
      try (PreparedStatement ps =
          c.prepareStatement(
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
      try (ResultSet rs =
          s.executeQuery(
              "SELECT count(), sum(cost), countIf(position(note, '\\n\\n') > 0),"
                  + " uniqExact(model) FROM spans")) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getLong(1)).isEqualTo(3000);
        // 0.000000123456 × (0 + 1 + … + 2999) = 0.000000123456 × 4498500
        assertThat(rs.getBigDecimal(2)).isEqualByComparingTo("0.555366816");
        assertThat(rs.getLong(3)).isEqualTo(3000);
        assertThat(rs.getLong(4)).isEqualTo(2);
      }
      try (ResultSet rs =
          s.executeQuery("SELECT note, cost, toString(start), tags['i'] FROM spans WHERE id = 7")) {
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
    try (Connection c = connect(e, db);
        Statement s = c.createStatement()) {
      s.execute(
          "CREATE TABLE calls (conv String, cost Decimal(38, 12)) ENGINE = MergeTree ORDER BY conv");
      s.execute(
          "CREATE TABLE per_conv (conv String, cost AggregateFunction(sum, Decimal(38, 12)),"
              + " n AggregateFunction(count)) ENGINE = AggregatingMergeTree ORDER BY conv");
      s.execute(
          "CREATE MATERIALIZED VIEW per_conv_mv TO per_conv AS SELECT conv, sumState(cost) AS cost,"
              + " countState() AS n FROM calls GROUP BY conv");
      s.execute("INSERT INTO calls VALUES ('a', 0.5), ('a', 0.25), ('b', 1)");
      try (ResultSet rs =
          s.executeQuery(
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
    try (Connection c = connect(e, "default");
        Statement s = c.createStatement()) {
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
    try (Client client =
        new Client.Builder()
            .addEndpoint(e.httpUrl())
            .setUsername(e.user())
            .setPassword(e.password())
            .setDefaultDatabase(db)
            .compressServerResponse(true)
            .build()) {
      client
          .execute("CREATE TABLE t (k String, v UInt64) ENGINE = MergeTree ORDER BY k")
          .get()
          .close();
      client.execute("INSERT INTO t VALUES ('x', 41), ('y', 1)").get().close();
      List<GenericRecord> rows =
          client.queryAll(
              "SELECT v + 1 AS r, currentDatabase() AS d FROM t WHERE k = {key:String}",
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
    try (Connection c = connect(e, db);
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE hits (w UInt32, i UInt32) ENGINE = MergeTree ORDER BY (w, i)");
    }
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Long>> results = new ArrayList<>();
      for (int w = 0; w < 4; w++) {
        int worker = w;
        Callable<Long> job =
            () -> {
              try (Connection c = connect(e, db);
                  Statement s = c.createStatement()) {
                for (int i = 0; i < 10; i++) {
                  s.execute("INSERT INTO hits VALUES (" + worker + ", " + i + ")");
                }
                try (ResultSet rs =
                    s.executeQuery("SELECT count() FROM hits WHERE w = " + worker)) {
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
    assertThat(reuser.password()).as("the reuser read the secret").isEqualTo(owner.password());
    reuser.close();
    assertThat(EmbeddedClickHouse.ping(port)).isTrue();
    owner.close();
    assertThat(EmbeddedClickHouse.ping(port)).isFalse();
    assertThat(data.resolve(".costtrace-front.json")).doesNotExist();
    assertThat(data.resolve(EmbeddedClickHouse.SECRET_FILE)).doesNotExist();
    // Data survives a restart on the same directory.
    try (ClickHouseEndpoint again = EmbeddedClickHouse.builder().dataDir(data).build().start();
        Connection c = connect(again, "default");
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS kept (x UInt8) ENGINE = MergeTree ORDER BY x");
      s.execute("INSERT INTO kept VALUES (1)");
    }
    try (ClickHouseEndpoint third = EmbeddedClickHouse.builder().dataDir(data).build().start();
        Connection c = connect(third, "default");
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT count() FROM kept")) {
      rs.next();
      assertThat(rs.getLong(1)).isEqualTo(1);
    }
  }

  @Test
  void configuredUrlWinsAsAServer() {
    ClickHouseEndpoint shared = EngineUnderTest.shared();
    ClickHouseEndpoint server =
        ClickHouseResolver.resolve(
            Config.of(
                Map.of(),
                Map.of("CLICKHOUSE_URL", shared.httpUrl(), "CLICKHOUSE_USER", "default")));
    assertThat(server.kind()).isEqualTo(ClickHouseEndpoint.Kind.SERVER);
    assertThat(server.httpUrl()).isEqualTo(shared.httpUrl());
    server.close(); // a configured server is never stopped by us
    assertThat(
            EmbeddedClickHouse.ping(
                Integer.parseInt(
                    shared.httpUrl().substring(shared.httpUrl().lastIndexOf(':') + 1))))
        .isTrue();
  }

  @Test
  void badUrlFailsFastNamingTheKey() {
    assertThatThrownBy(
            () ->
                ClickHouseResolver.resolve(
                    Config.of(Map.of("costtrace.clickhouse.url", "localhost:8123"))))
        .hasMessage(
            "Invalid value 'localhost:8123' for costtrace.clickhouse.url"
                + " (COSTTRACE_CLICKHOUSE_URL): expected an http:// or https:// URL");
  }

  @Test
  void withoutAUrlTheResolverChoosesTheEmbeddedEngineNeverAContainer() {
    ClickHouseEndpoint e =
        ClickHouseResolver.resolve(
            Config.of(
                Map.of("costtrace.clickhouse.embedded.dir", EngineUnderTest.dataDir().toString())));
    assertThat(e.kind()).isEqualTo(ClickHouseEndpoint.Kind.EMBEDDED);
    e.close(); // when it reused the shared engine, that one stays up for the other tests
  }

  private static HttpResponse<String> post(ClickHouseEndpoint e, String sql, String password)
      throws Exception {
    HttpRequest.Builder r =
        HttpRequest.newBuilder(
                URI.create(
                    e.httpUrl()
                        + "/?query="
                        + java.net.URLEncoder.encode(sql, StandardCharsets.UTF_8)))
            .POST(HttpRequest.BodyPublishers.noBody());
    if (password != null) {
      r.header(
          "Authorization",
          "Basic "
              + Base64.getEncoder()
                  .encodeToString(("default:" + password).getBytes(StandardCharsets.UTF_8)));
    }
    return HttpClient.newHttpClient().send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** Loopback is open to every local user: without this run's secret, nothing runs. */
  @Test
  void anotherLocalClientWithoutTheSecretIsRefused() throws Exception {
    ClickHouseEndpoint e = EngineUnderTest.shared();
    assertThat(e.password()).hasSize(64);
    for (String wrong : new String[] {null, "", "guess", e.password().substring(1) + "x"}) {
      HttpResponse<String> r = post(e, "SELECT 42", wrong);
      assertThat(r.statusCode()).as("password %s", wrong).isEqualTo(403);
      assertThat(r.body()).contains("AUTHENTICATION_FAILED").doesNotContain("42");
    }
    HttpResponse<String> ok = post(e, "SELECT 42", e.password());
    assertThat(ok.statusCode()).isEqualTo(200);
    assertThat(ok.body().trim()).isEqualTo("42");
    // Health checks need no secret.
    assertThat(EmbeddedClickHouse.ping(port(e))).isTrue();
  }

  /** The secret is owner-only beside the state file, as is the data directory. */
  @Test
  void theSecretAndTheDataAreOwnerOnly() throws Exception {
    ClickHouseEndpoint e = EngineUnderTest.shared();
    Path data = EngineUnderTest.dataDir();
    Path secret = data.resolve(EmbeddedClickHouse.SECRET_FILE);
    assertThat(Files.readString(secret).trim()).isEqualTo(e.password());
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(secret)))
        .isEqualTo("rw-------");
    assertThat(
            PosixFilePermissions.toString(
                Files.getPosixFilePermissions(data.resolve(".costtrace-front.json"))))
        .isEqualTo("rw-------");
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(data)))
        .isEqualTo("rwx------");
  }

  /**
   * chDB is clickhouse-local: it would read any file the engine's user can. Clients, even with the
   * secret, cannot reach files or the network however they spell it; strings and comments that
   * merely mention such words still run.
   */
  @Test
  void sqlThatReadsOrWritesFilesIsRefused() throws Exception {
    ClickHouseEndpoint e = EngineUnderTest.shared();
    String db = createDatabase(e);
    Path secretFile = Files.createTempFile("costtrace-secret", ".txt");
    Files.writeString(secretFile, "root:x:0:0:secret-line\n");
    String target = secretFile.toString();
    try (Connection c = connect(e, db);
        Statement s = c.createStatement()) {
      s.execute("CREATE TABLE lines (line String) ENGINE = MergeTree ORDER BY line");
      for (String sql :
          List.of(
              "INSERT INTO lines FROM INFILE '" + target + "' FORMAT LineAsString",
              "INSERT INTO lines FROM INFILE '/etc/passwd' FORMAT LineAsString",
              "SELECT * FROM file('" + target + "', 'LineAsString')",
              "SELECT * FROM `file`('" + target + "', 'LineAsString')",
              "SELECT * FROM /* hidden? */ FILE ('" + target + "', LineAsString)",
              "SELECT * FROM \"file\"\n('" + target + "', 'LineAsString')",
              "INSERT INTO FUNCTION file('/tmp/costtrace-out.csv', 'CSV') SELECT 1",
              "SELECT 1 INTO OUTFILE '/tmp/costtrace-out.csv'",
              "CREATE TABLE leak (line String) ENGINE = File(LineAsString, '" + target + "')",
              "SELECT * FROM url('http://127.0.0.1:9/', 'CSV', 'a String')",
              "CREATE TABLE d (s String) ENGINE = MergeTree ORDER BY s SETTINGS disk = disk(type = local, path = '/tmp/')",
              "ATTACH TABLE stolen FROM '/etc/' (s String) ENGINE = MergeTree ORDER BY s")) {
        assertThatThrownBy(() -> s.execute(sql))
            .as(sql)
            .isInstanceOf(SQLException.class)
            .hasMessageContaining("ACCESS_DENIED")
            .hasMessageNotContaining("secret-line");
      }
      try (ResultSet rs = s.executeQuery("SELECT count() FROM lines")) {
        rs.next();
        assertThat(rs.getLong(1)).isZero();
      }
      // Words inside strings and comments are data, not file access; "profile" is not "file".
      try (ResultSet rs =
          s.executeQuery(
              "SELECT 'file(''/etc/passwd'') INTO OUTFILE' AS s, 1 AS profile -- file('x')")) {
        rs.next();
        assertThat(rs.getString(1)).isEqualTo("file('/etc/passwd') INTO OUTFILE");
      }
      // The front's own FROM INFILE path for a client's rows still works.
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO lines (line) VALUES (?)")) {
        ps.setString(1, "kept");
        ps.addBatch();
        ps.executeBatch();
      }
      try (ResultSet rs = s.executeQuery("SELECT count() FROM lines WHERE line = 'kept'")) {
        rs.next();
        assertThat(rs.getLong(1)).isEqualTo(1);
      }
    } finally {
      Files.deleteIfExists(secretFile);
    }
  }

  private static int port(ClickHouseEndpoint e) {
    return Integer.parseInt(e.httpUrl().substring(e.httpUrl().lastIndexOf(':') + 1));
  }

  /**
   * The engine's process is killed: it is started again on the same port with the same secret, says
   * so in its status, and a client made before the kill reads the data stored before it.
   */
  @Test
  void aKilledEngineIsRestartedOnTheSamePortAndClientsCarryOn(@TempDir Path dir) throws Exception {
    try (ClickHouseEndpoint e =
            EmbeddedClickHouse.builder()
                .dataDir(dir.resolve("data"))
                .restartBackoff(Duration.ofMillis(100), Duration.ofSeconds(2))
                .build()
                .start();
        Client client = e.newClient("default")) {
      EngineStatus before = e.engineStatus().orElseThrow();
      assertThat(before.up()).isTrue();
      assertThat(before.restarts()).isZero();
      assertThat(before.port()).isEqualTo(port(e));
      client.execute("CREATE TABLE kept (x UInt32) ENGINE = MergeTree ORDER BY x").get().close();
      client.execute("INSERT INTO kept VALUES (1), (2), (3)").get().close();
      for (int kill = 1; kill <= 2; kill++) {
        long pid = e.engineStatus().orElseThrow().pid();
        assertThat(ProcessHandle.of(pid).orElseThrow().destroyForcibly()).isTrue(); // kill -9
        int n = kill;
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (!(e.engineStatus().orElseThrow().restarts() == n
                && e.engineStatus().orElseThrow().up())
            && System.nanoTime() < deadline) {
          Thread.onSpinWait();
        }
        EngineStatus after = e.engineStatus().orElseThrow();
        assertThat(after.restarts()).isEqualTo(kill);
        assertThat(after.up()).isTrue();
        assertThat(after.pid()).isNotEqualTo(pid);
        assertThat(after.port()).isEqualTo(before.port());
        List<GenericRecord> rows = client.queryAll("SELECT sum(x) AS s FROM kept");
        assertThat(rows.get(0).getLong("s")).isEqualTo(6);
      }
    }
  }
}
