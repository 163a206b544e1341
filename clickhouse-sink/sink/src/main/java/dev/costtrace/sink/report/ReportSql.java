package dev.costtrace.sink.report;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import com.clickhouse.client.api.query.QuerySettings;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The report queries' SQL, read once from the {@code .sql} files beside this class, and run with
 * ClickHouse query parameters ({@code {name:Type}}) only: the database is a parameter too
 * ({@code {db:Identifier}}), so no value is ever spliced into the text.
 */
final class ReportSql {
  private static final Map<String, String> CACHE = new ConcurrentHashMap<>();

  private ReportSql() {}

  /** The text of {@code name}.sql. */
  static String load(String name) {
    return CACHE.computeIfAbsent(name, n -> {
      try (InputStream in = ReportSql.class.getResourceAsStream(n + ".sql")) {
        if (in == null) {
          throw new IllegalStateException("report query " + n + ".sql missing");
        }
        return new String(in.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  /** Runs {@code name}.sql with {@code params} and, when positive, a time limit in seconds. */
  static List<GenericRecord> run(Client client, String name, Map<String, Object> params,
      long maxExecutionSeconds) {
    QuerySettings settings = new QuerySettings();
    if (maxExecutionSeconds > 0) {
      settings.serverSetting("max_execution_time", Long.toString(maxExecutionSeconds));
    }
    return client.queryAll(load(name), params, settings);
  }
}
