package dev.costtrace.sink.schema;

import dev.costtrace.config.Config;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * How the schema is rendered: database, cluster (ON CLUSTER, Replicated engines, Distributed
 * tables), and TTL.
 *
 * @param database database name
 * @param cluster cluster name, or empty for a single server
 * @param ttl how long rows are kept; zero keeps them forever
 * @param replicated on a cluster: its tables are replicated and its DDL distributed (ClickHouse
 *     Keeper; the default). False for a sharded cluster without Keeper: plain engines, no ON
 *     CLUSTER, and {@code costtrace migrate} run on every node
 */
public record SchemaOptions(String database, String cluster, Duration ttl, boolean replicated) {
  public static final String DEFAULT_DATABASE = "costtrace";
  public static final Duration DEFAULT_TTL = Duration.ZERO;
  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");

  /** Replicated on a cluster. */
  public SchemaOptions(String database, String cluster, Duration ttl) {
    this(database, cluster, ttl, true);
  }

  public SchemaOptions {
    Objects.requireNonNull(database, "database");
    Objects.requireNonNull(cluster, "cluster");
    Objects.requireNonNull(ttl, "ttl");
    if (!IDENTIFIER.matcher(database).matches()) {
      throw new IllegalArgumentException("database must be an identifier: " + database);
    }
    if (!cluster.isEmpty() && !IDENTIFIER.matcher(cluster).matches()) {
      throw new IllegalArgumentException("cluster must be an identifier: " + cluster);
    }
    if (ttl.isNegative()) {
      throw new IllegalArgumentException("ttl must be non-negative");
    }
  }

  public static SchemaOptions defaults() {
    return new SchemaOptions(DEFAULT_DATABASE, "", DEFAULT_TTL);
  }

  /**
   * {@code costtrace.clickhouse.database}, {@code costtrace.clickhouse.cluster}, {@code
   * costtrace.clickhouse.cluster.replicated} (default true), {@code costtrace.clickhouse.ttl} (e.g.
   * {@code 90d}; 0 keeps forever).
   */
  public static SchemaOptions fromConfig(Config config) {
    String db = config.getString("costtrace.clickhouse.database").orElse(DEFAULT_DATABASE);
    String cluster = config.getString("costtrace.clickhouse.cluster").orElse("");
    Duration ttl = config.getDuration("costtrace.clickhouse.ttl").orElse(DEFAULT_TTL);
    if (!IDENTIFIER.matcher(db).matches()) {
      throw Config.invalid("costtrace.clickhouse.database", db, "expected an identifier");
    }
    if (!cluster.isEmpty() && !IDENTIFIER.matcher(cluster).matches()) {
      throw Config.invalid("costtrace.clickhouse.cluster", cluster, "expected an identifier");
    }
    boolean replicated = config.getBoolean("costtrace.clickhouse.cluster.replicated").orElse(true);
    return new SchemaOptions(db, cluster, ttl, replicated);
  }

  public boolean clustered() {
    return !cluster.isEmpty();
  }
}
