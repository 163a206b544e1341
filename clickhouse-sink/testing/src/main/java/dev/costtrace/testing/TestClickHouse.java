package dev.costtrace.testing;

import dev.costtrace.config.Config;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.engine.ClickHouseResolver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.clickhouse.ClickHouseContainer;

/**
 * One ClickHouse per test JVM: a configured server ({@code CLICKHOUSE_URL}), else a Docker
 * container when a Docker engine is reachable ({@code costtrace.clickhouse.docker=false} skips it),
 * else (as in CI) the embedded engine on a fresh temporary data directory. Tests isolate themselves
 * with {@link #newDatabase}.
 */
public final class TestClickHouse {
  /** A 25.x LTS, pinned. */
  public static final String DOCKER_IMAGE = "clickhouse/clickhouse-server:25.8.11.66";

  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static ClickHouseEndpoint shared;

  private TestClickHouse() {}

  /** The JVM-wide test endpoint, started on first use and stopped when the JVM exits. */
  public static synchronized ClickHouseEndpoint shared() {
    if (shared == null) {
      Config config = Config.fromEnvironment();
      Path dir;
      try {
        dir = Files.createTempDirectory("costtrace-test-clickhouse");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      boolean configured =
          config
              .getString("costtrace.clickhouse.url")
              .or(() -> config.getString("clickhouse.url"))
              .isPresent();
      if (!configured
          && config.getBoolean("costtrace.clickhouse.docker").orElse(true)
          && dockerReachable()) {
        shared = docker();
      } else {
        shared =
            ClickHouseResolver.resolve(
                config.withOverrides(
                    Map.of("costtrace.clickhouse.embedded.dir", dir.resolve("data").toString())));
      }
      ClickHouseEndpoint endpoint = shared;
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    endpoint.close();
                    deleteQuietly(dir);
                  },
                  "test-clickhouse-stop"));
    }
    return shared;
  }

  /** A database name unique in this JVM: {@code prefix_<pid>_<n>}. */
  public static String newDatabase(String prefix) {
    return prefix + "_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
  }

  /**
   * Quick and quiet when there is no Docker: ask Testcontainers only if a socket or host is set.
   */
  public static boolean dockerReachable() {
    boolean hint =
        System.getenv("DOCKER_HOST") != null
            || Files.exists(Path.of("/var/run/docker.sock"))
            || Files.exists(
                Path.of(System.getProperty("user.home"), ".docker", "run", "docker.sock"));
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
    return ClickHouseEndpoint.of(
        ClickHouseEndpoint.Kind.DOCKER,
        url,
        container.getUsername(),
        container.getPassword(),
        container::stop);
  }

  private static void deleteQuietly(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // best effort: it is a temporary directory
    }
  }
}
