package dev.costtrace.sink.report;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import com.clickhouse.client.api.query.QuerySettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The report queries' SQL, read once from the {@code .sql} files beside this class, and run with
 * ClickHouse query parameters ({@code {name:Type}}) for every value. The one name put into the text
 * is the database ({@code {db:Identifier}} in the files), checked to be a plain identifier first:
 * the embedded engine refuses {@code Identifier} parameters (it cannot see what they would name),
 * and the configured database is such an identifier anyway. A query may include another file's
 * query as a subquery with {@code {include:name}} (text from this package, never from a caller), so
 * that a shared part is written once.
 */
final class ReportSql {
  private static final Map<String, String> CACHE = new ConcurrentHashMap<>();
  private static final Pattern INCLUDE = Pattern.compile("\\{include:(\\w+)}");
  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
  private static final String DATABASE = "{db:Identifier}";

  private ReportSql() {}

  /** The text of {@code name}.sql, its includes resolved. */
  static String load(String name) {
    String cached = CACHE.get(name);
    if (cached != null) {
      return cached;
    }
    String text;
    try (InputStream in = ReportSql.class.getResourceAsStream(name + ".sql")) {
      if (in == null) {
        throw new IllegalStateException("report query " + name + ".sql missing");
      }
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    StringBuilder out = new StringBuilder();
    for (String line : text.split("\n", -1)) {
      Matcher m = INCLUDE.matcher(line);
      if (line.stripLeading().startsWith("--") || !m.find()) {
        out.append(line).append('\n');
        continue;
      }
      if (m.group(1).equals(name)) {
        throw new IllegalStateException("report query " + name + ".sql includes itself");
      }
      out.append(line, 0, m.start())
          .append(withoutComments(load(m.group(1))))
          .append(line.substring(m.end()))
          .append('\n');
    }
    CACHE.put(name, out.toString());
    return out.toString();
  }

  /** The query without its leading comment lines, indented to sit in a subquery. */
  private static String withoutComments(String sql) {
    StringBuilder b = new StringBuilder();
    for (String line : sql.strip().split("\n")) {
      if (!line.startsWith("--")) {
        b.append(b.length() == 0 ? "" : "\n    ").append(line);
      }
    }
    return b.toString();
  }

  /** {@code database}, when it is a plain identifier (the schema's rule); refused otherwise. */
  static String database(String database) {
    if (database == null || !IDENTIFIER.matcher(database).matches()) {
      throw new IllegalArgumentException("database must be an identifier: " + database);
    }
    return database;
  }

  /**
   * Runs {@code name}.sql with {@code params} and, when positive, a time limit in seconds. The
   * parameter {@code db} names the database.
   */
  static List<GenericRecord> run(
      Client client, String name, Map<String, Object> params, long maxExecutionSeconds) {
    QuerySettings settings = new QuerySettings();
    if (maxExecutionSeconds > 0) {
      settings.serverSetting("max_execution_time", Long.toString(maxExecutionSeconds));
    }
    String sql = load(name);
    Map<String, Object> values = new HashMap<>(params);
    Object db = values.remove("db");
    if (sql.contains(DATABASE)) {
      sql = sql.replace(DATABASE, database(db == null ? null : db.toString()));
    }
    return client.queryAll(sql, values, settings);
  }
}
