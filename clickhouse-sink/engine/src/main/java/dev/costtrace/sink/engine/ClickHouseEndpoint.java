package dev.costtrace.sink.engine;

import java.util.Objects;

/**
 * A ClickHouse to talk to over HTTP. Closing it stops what the resolver started for it (a
 * container, an embedded engine); a configured server or a reused engine is left running.
 */
public final class ClickHouseEndpoint implements AutoCloseable {
  /** Which path of the resolver produced this endpoint. */
  public enum Kind {
    SERVER,
    DOCKER,
    EMBEDDED
  }

  private final Kind kind;
  private final String httpUrl;
  private final String user;
  private final String password;
  private final String database;
  private final Runnable onClose;
  private final java.util.function.Supplier<EngineStatus> engineStatus;
  private volatile boolean closed;

  ClickHouseEndpoint(
      Kind kind, String httpUrl, String user, String password, String database, Runnable onClose) {
    this(kind, httpUrl, user, password, database, onClose, null);
  }

  ClickHouseEndpoint(
      Kind kind,
      String httpUrl,
      String user,
      String password,
      String database,
      Runnable onClose,
      java.util.function.Supplier<EngineStatus> engineStatus) {
    this.kind = Objects.requireNonNull(kind, "kind");
    this.httpUrl = stripSlash(Objects.requireNonNull(httpUrl, "httpUrl"));
    this.user = user;
    this.password = password;
    this.database = database;
    this.onClose = onClose;
    this.engineStatus = engineStatus;
  }

  /**
   * An endpoint started by someone else (a test's container): {@code onClose} stops it, or is null
   * when it is left running.
   */
  public static ClickHouseEndpoint of(
      Kind kind, String httpUrl, String user, String password, Runnable onClose) {
    return new ClickHouseEndpoint(kind, httpUrl, user, password, "default", onClose);
  }

  private static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }

  public Kind kind() {
    return kind;
  }

  /** {@code http://host:port}, without a path. */
  public String httpUrl() {
    return httpUrl;
  }

  /** {@code jdbc:clickhouse:http://host:port/database} for the official JDBC driver. */
  public String jdbcUrl() {
    return jdbcUrl(database);
  }

  /** The JDBC URL for another database on the same server. */
  public String jdbcUrl(String otherDatabase) {
    return "jdbc:clickhouse:" + httpUrl + "/" + otherDatabase;
  }

  public String user() {
    return user;
  }

  public String password() {
    return password;
  }

  public String database() {
    return database;
  }

  /**
   * How the embedded engine behind this endpoint is doing (up, restarts, process); empty for a
   * server or a container.
   */
  public java.util.Optional<EngineStatus> engineStatus() {
    return engineStatus == null
        ? java.util.Optional.empty()
        : java.util.Optional.of(engineStatus.get());
  }

  /**
   * A new client-v2 client for a database of this server, with client-v2's own timeouts (none: a
   * call may wait for ever); the caller closes it. Code that must not hang uses the overload with
   * {@link ClickHouseTimeouts}.
   */
  public com.clickhouse.client.api.Client newClient(String defaultDatabase) {
    return builder(defaultDatabase).build();
  }

  /**
   * A new client-v2 client whose every call is bounded by {@code timeouts}; the caller closes it.
   */
  public com.clickhouse.client.api.Client newClient(
      String defaultDatabase, ClickHouseTimeouts timeouts) {
    return timeouts.applyTo(builder(defaultDatabase)).build();
  }

  private com.clickhouse.client.api.Client.Builder builder(String defaultDatabase) {
    return new com.clickhouse.client.api.Client.Builder()
        .addEndpoint(httpUrl)
        .setUsername(user)
        .setPassword(password)
        .setDefaultDatabase(defaultDatabase)
        .compressServerResponse(true);
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      if (onClose != null) {
        onClose.run();
      }
    }
  }

  @Override
  public String toString() {
    return kind.name().toLowerCase(java.util.Locale.ROOT) + " ClickHouse at " + httpUrl;
  }
}
