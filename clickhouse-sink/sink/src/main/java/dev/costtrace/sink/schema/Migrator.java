package dev.costtrace.sink.schema;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.logging.Logger;

/**
 * Applies the numbered migrations in order and records them in {@code schema_migrations}. Every
 * statement is idempotent ({@code IF NOT EXISTS}) and the record table is a ReplacingMergeTree, so
 * several receivers starting at once converge on the same schema.
 */
public final class Migrator {
  private static final Logger LOG = Logger.getLogger(Migrator.class.getName());
  private static final String DIR = "/dev/costtrace/sink/schema/";

  private final Client client;
  private final SchemaOptions options;
  private final SchemaRenderer renderer;

  public Migrator(Client client, SchemaOptions options) {
    this.client = client;
    this.options = options;
    this.renderer = new SchemaRenderer(options);
  }

  /** A migration and whether it is applied. */
  public record Migration(int version, String name, boolean applied) {}

  /** The names in {@code migrations.index}, in order. */
  public static List<String> names() {
    String index = resource("migrations.index");
    List<String> names = new ArrayList<>();
    for (String line : index.split("\n")) {
      if (!line.isBlank()) {
        names.add(line.trim());
      }
    }
    return names;
  }

  /** The rendered up (or down) statements of one migration. */
  public List<String> statements(String name, boolean up) {
    return renderer.render(resource(name + (up ? ".up.sql" : ".down.sql")));
  }

  /** Applies every pending migration; returns how many were applied. */
  public int up() {
    bootstrap();
    Map<Integer, Boolean> applied = appliedVersions();
    int count = 0;
    for (String name : names()) {
      int version = version(name);
      if (applied.getOrDefault(version, false)) {
        continue;
      }
      for (String sql : statements(name, true)) {
        execute(sql);
      }
      record(version, name, true);
      LOG.info("applied migration " + name);
      count++;
    }
    return count;
  }

  /**
   * Reverts the last {@code steps} applied migrations, the last applied first; returns how many
   * were reverted. By when each was applied, not by its number: after an upgrade brings a migration
   * numbered below ones already applied, that one was applied last and is undone first.
   */
  public int down(int steps) {
    if (steps < 0) {
      throw new IllegalArgumentException("steps must be non-negative");
    }
    bootstrap();
    Map<Integer, String> byVersion = new HashMap<>();
    for (String name : names()) {
      byVersion.put(version(name), name);
    }
    int count = 0;
    for (int version : appliedLastFirst()) {
      if (count >= steps) {
        break;
      }
      String name = byVersion.get(version);
      if (name == null) {
        continue; // recorded by a newer release than this one: not ours to revert
      }
      for (String sql : statements(name, false)) {
        execute(sql);
      }
      record(version, name, false);
      LOG.info("reverted migration " + name);
      count++;
    }
    return count;
  }

  /**
   * The applied versions, the one applied last first (ties, within one run of up: higher first).
   */
  private List<Integer> appliedLastFirst() {
    List<Integer> out = new ArrayList<>();
    for (GenericRecord r :
        client.queryAll(
            "SELECT version, argMax(applied, changed_at) AS applied, max(changed_at) AS at FROM "
                + options.database()
                + ".schema_migrations GROUP BY version HAVING applied = 1"
                + " ORDER BY at DESC, version DESC")) {
      out.add((int) r.getLong("version"));
    }
    return out;
  }

  /** Every known migration with its state. */
  public List<Migration> status() {
    bootstrap();
    Map<Integer, Boolean> applied = appliedVersions();
    List<Migration> out = new ArrayList<>();
    for (String name : names()) {
      out.add(new Migration(version(name), name, applied.getOrDefault(version(name), false)));
    }
    return out;
  }

  private void bootstrap() {
    execute(
        "CREATE DATABASE IF NOT EXISTS "
            + options.database()
            + (options.clustered() && options.replicated()
                ? " ON CLUSTER " + options.cluster()
                : ""));
    for (String sql :
        renderer.render(
            "CREATE TABLE IF NOT EXISTS {db}.schema_migrations {on_cluster} (version UInt32, name String,"
                + " applied UInt8, changed_at DateTime64(6, 'UTC'))"
                + " ENGINE = {engine:ReplacingMergeTree(changed_at)} ORDER BY version")) {
      execute(sql);
    }
  }

  private Map<Integer, Boolean> appliedVersions() {
    Map<Integer, Boolean> out = new HashMap<>();
    for (GenericRecord r :
        client.queryAll(
            "SELECT version, argMax(applied, changed_at) AS applied FROM "
                + options.database()
                + ".schema_migrations GROUP BY version")) {
      out.put((int) r.getLong("version"), r.getLong("applied") == 1);
    }
    return out;
  }

  private void record(int version, String name, boolean applied) {
    execute(
        "INSERT INTO "
            + options.database()
            + ".schema_migrations VALUES ("
            + version
            + ", '"
            + name
            + "', "
            + (applied ? 1 : 0)
            + ", now64(6))");
  }

  private void execute(String sql) {
    try {
      client.execute(sql).get().close();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted during migration", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(
          "migration statement failed: " + describe(e.getCause()) + "\n" + sql, e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException("migration statement failed: " + describe(e) + "\n" + sql, e);
    }
  }

  /**
   * The message and, when another, the root cause's: client-v2 says only "Query request failed".
   */
  private static String describe(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root == e
        ? String.valueOf(e.getMessage())
        : e.getMessage() + " (" + root.getClass().getSimpleName() + ": " + root.getMessage() + ")";
  }

  private static int version(String name) {
    return Integer.parseInt(name.substring(0, 4));
  }

  private static String resource(String name) {
    try (InputStream in = Migrator.class.getResourceAsStream(DIR + name)) {
      if (in == null) {
        throw new IllegalStateException("schema resource " + name + " missing");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
