package dev.costtrace.sink.engine;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.insert.InsertSettings;
import com.clickhouse.client.api.query.QuerySettings;
import dev.costtrace.config.Config;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * How long a ClickHouse call may wait. client-v2 waits for ever by default: its socket timeout is
 * 0, and in its default synchronous mode a returned future is already complete, so a timeout given
 * to {@code get} never fires; a server that accepts and never answers (a stalled connection, a
 * frozen node) hangs the caller. So every client gets these at build time ({@link #applyTo}) and
 * every call the sink makes sets its own bound too ({@link #insert}, {@link #query}), which also
 * holds on a client built elsewhere.
 *
 * @param socket how long one read or write on a connection may wait (inserts, describes)
 * @param connect how long opening a connection, or waiting for one from the pool, may take
 * @param query how long a statement the server computes before answering may run (the rollup
 *     recomputation): the server stops it ({@code max_execution_time}) and the client gives up
 *     waiting a little after
 */
public record ClickHouseTimeouts(Duration socket, Duration connect, Duration query) {
  public static final Duration DEFAULT_SOCKET = Duration.ofSeconds(30);
  public static final Duration DEFAULT_CONNECT = Duration.ofSeconds(10);
  public static final Duration DEFAULT_QUERY = Duration.ofSeconds(120);
  public static final String SOCKET_KEY = "costtrace.clickhouse.socket.timeout";
  public static final String CONNECT_KEY = "costtrace.clickhouse.connect.timeout";
  public static final String QUERY_KEY = "costtrace.clickhouse.query.timeout";

  /** What the client waits past the server's own limit, for the server's answer to arrive. */
  private static final Duration QUERY_GRACE = Duration.ofSeconds(5);

  public ClickHouseTimeouts {
    positive(socket, "socket");
    positive(connect, "connect");
    positive(query, "query");
  }

  private static void positive(Duration d, String name) {
    Objects.requireNonNull(d, name);
    if (d.toMillis() < 1) {
      throw new IllegalArgumentException(name + " timeout must be at least 1ms");
    }
  }

  public static ClickHouseTimeouts defaults() {
    return new ClickHouseTimeouts(DEFAULT_SOCKET, DEFAULT_CONNECT, DEFAULT_QUERY);
  }

  /**
   * {@code costtrace.clickhouse.socket.timeout} (default 30s), {@code .connect.timeout} (10s),
   * {@code .query.timeout} (120s); a value that is not a positive duration fails naming its key.
   */
  public static ClickHouseTimeouts fromConfig(Config config) {
    return new ClickHouseTimeouts(
        get(config, SOCKET_KEY, DEFAULT_SOCKET),
        get(config, CONNECT_KEY, DEFAULT_CONNECT),
        get(config, QUERY_KEY, DEFAULT_QUERY));
  }

  private static Duration get(Config config, String key, Duration fallback) {
    Duration d = config.getDuration(key).orElse(fallback);
    if (d.toMillis() < 1) {
      throw Config.invalid(
          key, config.getString(key).orElse(""), "expected a positive duration such as 30s");
    }
    return d;
  }

  /** Sets the client-wide timeouts (every call of a client built with them is bounded). */
  public Client.Builder applyTo(Client.Builder builder) {
    return builder
        .setSocketTimeout(socket.toMillis(), ChronoUnit.MILLIS)
        .setConnectTimeout(connect.toMillis(), ChronoUnit.MILLIS)
        .setConnectionRequestTimeout(connect.toMillis(), ChronoUnit.MILLIS);
  }

  /** Bounds one insert: each wait on its connection. */
  public InsertSettings insert(InsertSettings settings) {
    settings.setNetworkTimeout(socket.toMillis(), ChronoUnit.MILLIS);
    return settings;
  }

  /**
   * Bounds one statement the server computes before it answers: the server stops it after {@code
   * query} ({@code max_execution_time}), the client waits a little longer than that (and at least
   * {@code socket}) for the answer.
   */
  public <S extends QuerySettings> S query(S settings) {
    settings.serverSetting("max_execution_time", Long.toString(Math.max(1, query.toSeconds())));
    settings.setNetworkTimeout(clientWait().toMillis(), ChronoUnit.MILLIS);
    return settings;
  }

  /**
   * For a client whose calls are whole statements the server computes before answering (the command
   * line's report, review, verify, migrate and reprice): every read may wait as long as such a
   * statement ({@link #clientWait}), so a long migration on a big table is not cut off by the
   * socket timeout meant for inserts, while a server that never answers still fails the command.
   */
  public ClickHouseTimeouts forStatements() {
    return new ClickHouseTimeouts(clientWait(), connect, query);
  }

  /** How long the client waits for a statement bounded by {@link #query}. */
  public Duration clientWait() {
    Duration wait = query.plus(QUERY_GRACE);
    return wait.compareTo(socket) > 0 ? wait : socket;
  }
}
