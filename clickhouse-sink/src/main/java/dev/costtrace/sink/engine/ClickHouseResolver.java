package dev.costtrace.sink.engine;

import dev.costtrace.config.Config;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Logger;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.clickhouse.ClickHouseContainer;

/**
 * Finds the ClickHouse to use, used by every test and by {@code costtrace} itself:
 *
 * <ol>
 *   <li>{@code CLICKHOUSE_URL} / {@code costtrace.clickhouse.url} set: that server (production).
 *       User and password from {@code CLICKHOUSE_USER}/{@code CLICKHOUSE_PASSWORD} (or
 *       {@code costtrace.clickhouse.user}/{@code .password}).
 *   <li>a Docker engine reachable: a Testcontainers ClickHouse server ({@value #DOCKER_IMAGE}).
 *       {@code costtrace.clickhouse.docker=false} skips this step.
 *   <li>otherwise: the embedded engine ({@link EmbeddedClickHouse}), data in
 *       {@code costtrace.clickhouse.embedded.dir}.
 * </ol>
 */
public final class ClickHouseResolver {
  /** A 25.x LTS, pinned. */
  public static final String DOCKER_IMAGE = "clickhouse/clickhouse-server:25.8.11.66";

  private static final Logger LOG = Logger.getLogger(ClickHouseResolver.class.getName());

  private ClickHouseResolver() {}

  /** Resolves with the given configuration; the embedded data directory defaults to the user's. */
  public static ClickHouseEndpoint resolve(Config config) {
    String url = config.getString("costtrace.clickhouse.url")
        .or(() -> config.getString("clickhouse.url")).orElse(null);
    if (url != null) {
      String user = config.getString("costtrace.clickhouse.user")
          .or(() -> config.getString("clickhouse.user")).orElse("default");
      String password = config.getString("costtrace.clickhouse.password")
          .or(() -> config.getString("clickhouse.password")).orElse("");
      if (!url.startsWith("http://") && !url.startsWith("https://")) {
        throw Config.invalid("costtrace.clickhouse.url", url, "expected an http:// or https:// URL");
      }
      return new ClickHouseEndpoint(ClickHouseEndpoint.Kind.SERVER, url, user, password, "default", null);
    }
    if (config.getBoolean("costtrace.clickhouse.docker").orElse(true) && dockerReachable()) {
      return docker();
    }
    EmbeddedClickHouse.Builder embedded = EmbeddedClickHouse.builder();
    config.getString("costtrace.clickhouse.embedded.dir").ifPresent(d -> embedded.dataDir(Path.of(d)));
    config.getDuration("costtrace.clickhouse.embedded.start.timeout").ifPresent(embedded::startTimeout);
    return embedded.build().start();
  }

  /** Quick and quiet when there is no Docker: ask Testcontainers only if a socket or host is set. */
  static boolean dockerReachable() {
    boolean hint = System.getenv("DOCKER_HOST") != null
        || Files.exists(Path.of("/var/run/docker.sock"))
        || Files.exists(Path.of(System.getProperty("user.home"), ".docker", "run", "docker.sock"));
    if (!hint) {
      return false;
    }
    try {
      return DockerClientFactory.instance().isDockerAvailable();
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  private static ClickHouseEndpoint docker() {
    ClickHouseContainer container = new ClickHouseContainer(DOCKER_IMAGE);
    container.start();
    String url = "http://" + container.getHost() + ":" + container.getMappedPort(8123);
    LOG.info("ClickHouse in Docker (Testcontainers) at " + url);
    return new ClickHouseEndpoint(ClickHouseEndpoint.Kind.DOCKER, url, container.getUsername(),
        container.getPassword(), "default", container::stop);
  }
}
