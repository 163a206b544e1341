package dev.costtrace.sink.engine;

import dev.costtrace.config.Config;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One ClickHouse per test JVM, by the resolver: a configured server, Docker, or (in CI) an embedded
 * engine on a fresh temporary data directory. Tests isolate themselves with {@link #newDatabase}.
 * In main code so that every module's tests can use it without test jars.
 */
public final class TestClickHouse {
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static ClickHouseEndpoint shared;

  private TestClickHouse() {}

  /** The JVM-wide test endpoint, started on first use and stopped when the JVM exits. */
  public static synchronized ClickHouseEndpoint shared() {
    if (shared == null) {
      Path dir;
      try {
        dir = Files.createTempDirectory("costtrace-test-clickhouse");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      shared = ClickHouseResolver.resolve(Config.fromEnvironment().withOverrides(
          Map.of("costtrace.clickhouse.embedded.dir", dir.resolve("data").toString())));
      ClickHouseEndpoint endpoint = shared;
      Path tempDir = dir;
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        endpoint.close();
        deleteQuietly(tempDir);
      }, "test-clickhouse-stop"));
    }
    return shared;
  }

  private static void deleteQuietly(Path dir) {
    try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // best effort: it is a temporary directory
    }
  }

  /** A database name unique in this JVM: {@code prefix_<pid>_<n>}. */
  public static String newDatabase(String prefix) {
    return prefix + "_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
  }
}
