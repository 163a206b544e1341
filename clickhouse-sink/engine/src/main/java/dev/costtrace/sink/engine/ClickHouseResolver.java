package dev.costtrace.sink.engine;

import dev.costtrace.config.Config;
import java.nio.file.Path;

/**
 * Finds the ClickHouse {@code costtrace} uses:
 *
 * <ol>
 *   <li>{@code CLICKHOUSE_URL} / {@code costtrace.clickhouse.url} set: that server (production).
 *       User and password from {@code CLICKHOUSE_USER}/{@code CLICKHOUSE_PASSWORD} (or {@code
 *       costtrace.clickhouse.user}/{@code .password}).
 *   <li>otherwise: the embedded engine ({@link EmbeddedClickHouse}), data in {@code
 *       costtrace.clickhouse.embedded.dir}, which persists across runs.
 * </ol>
 *
 * <p>Never a throw-away container: data stored by {@code serve} must still be there for {@code
 * report}. (Tests may use Docker: see the testing module's {@code TestClickHouse}.)
 */
public final class ClickHouseResolver {
  private ClickHouseResolver() {}

  /** Resolves with the given configuration; the embedded data directory defaults to the user's. */
  public static ClickHouseEndpoint resolve(Config config) {
    String url =
        config
            .getString("costtrace.clickhouse.url")
            .or(() -> config.getString("clickhouse.url"))
            .orElse(null);
    if (url != null) {
      String user =
          config
              .getString("costtrace.clickhouse.user")
              .or(() -> config.getString("clickhouse.user"))
              .orElse("default");
      String password =
          config
              .getString("costtrace.clickhouse.password")
              .or(() -> config.getString("clickhouse.password"))
              .orElse("");
      if (!url.startsWith("http://") && !url.startsWith("https://")) {
        throw Config.invalid(
            "costtrace.clickhouse.url", url, "expected an http:// or https:// URL");
      }
      return new ClickHouseEndpoint(
          ClickHouseEndpoint.Kind.SERVER, url, user, password, "default", null);
    }
    EmbeddedClickHouse.Builder embedded = EmbeddedClickHouse.builder();
    config
        .getString("costtrace.clickhouse.embedded.dir")
        .ifPresent(d -> embedded.dataDir(Path.of(d)));
    config
        .getDuration("costtrace.clickhouse.embedded.start.timeout")
        .ifPresent(embedded::startTimeout);
    return embedded.build().start();
  }
}
