package dev.costtrace.sink.engine;

import dev.costtrace.config.Config;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The engine module's tests' ClickHouse, one per JVM, found by the resolver itself (a configured
 * server, else the embedded engine on a temporary directory). The testing module's {@code
 * TestClickHouse} depends on this module, so these tests cannot use it.
 */
final class EngineUnderTest {
  private static final AtomicInteger DATABASES = new AtomicInteger();
  private static Path dataDir;
  private static ClickHouseEndpoint shared;

  private EngineUnderTest() {}

  static synchronized ClickHouseEndpoint shared() {
    if (shared == null) {
      ClickHouseEndpoint endpoint =
          ClickHouseResolver.resolve(
              Config.fromEnvironment()
                  .withOverrides(
                      Map.of("costtrace.clickhouse.embedded.dir", dataDir().toString())));
      Runtime.getRuntime().addShutdownHook(new Thread(endpoint::close, "engine-test-stop"));
      shared = endpoint;
    }
    return shared;
  }

  /** The shared engine's data directory (a temporary one). */
  static synchronized Path dataDir() {
    if (dataDir == null) {
      try {
        dataDir = Files.createTempDirectory("costtrace-engine-test").resolve("data");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return dataDir;
  }

  static String newDatabase(String prefix) {
    return prefix + "_" + ProcessHandle.current().pid() + "_" + DATABASES.incrementAndGet();
  }
}
