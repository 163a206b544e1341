package dev.costtrace.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import java.util.stream.Stream;

/**
 * Debian's Chromium, headless, for tests that must see a page as a browser renders it: a screenshot
 * (PNG) and the DOM after parsing. Found on the PATH, else installed on first use with {@code
 * apt-get install -y chromium} (as root, as CI runs; apt waits for another install's lock), once
 * per machine: a file lock keeps concurrent test JVMs from installing twice. Every run gets a fresh
 * profile directory, so runs in parallel never share one.
 */
public final class HeadlessChromium {
  private static final Logger LOG = Logger.getLogger(HeadlessChromium.class.getName());
  private static final List<String> NAMES =
      List.of("chromium", "chromium-browser", "google-chrome");
  private static final Duration RUN_TIMEOUT = Duration.ofMinutes(2);
  private static final Duration INSTALL_TIMEOUT = Duration.ofMinutes(15);
  private static Path binary;

  private HeadlessChromium() {}

  /** The browser, installed first if there is none. */
  public static synchronized Path binary() {
    if (binary == null) {
      binary = find();
      if (binary == null) {
        binary = install();
      }
    }
    return binary;
  }

  private static Path find() {
    String path = System.getenv("PATH");
    for (String dir : (path == null ? "/usr/bin:/bin" : path).split(java.io.File.pathSeparator)) {
      for (String name : NAMES) {
        Path p = Path.of(dir, name);
        if (Files.isExecutable(p)) {
          return p;
        }
      }
    }
    return null;
  }

  private static Path install() {
    Path cache = Path.of(System.getProperty("user.home"), ".cache", "costtrace");
    try {
      Files.createDirectories(cache);
      try (FileChannel channel =
              FileChannel.open(
                  cache.resolve("chromium-install.lock"),
                  StandardOpenOption.CREATE,
                  StandardOpenOption.WRITE);
          FileLock lock = channel.lock()) {
        Path found = find(); // another JVM may have installed it while we waited
        if (found != null) {
          return found;
        }
        LOG.info(
            "installing Debian's chromium for the headless-browser tests (apt-get, first use only)");
        Path log = cache.resolve("chromium-install.log");
        List<String> install =
            List.of(
                "apt-get",
                "-o",
                "DPkg::Lock::Timeout=600",
                "install",
                "-y",
                "--no-install-recommends",
                "chromium");
        if (run(install, log) != 0) {
          // The package lists may be missing or stale (a fresh CI image): update, then try again.
          run(List.of("apt-get", "-o", "DPkg::Lock::Timeout=600", "update"), log);
          if (run(install, log) != 0) {
            throw new IllegalStateException(
                "apt-get install chromium failed (run as root, with apt reachable);"
                    + " log: "
                    + log
                    + "\n"
                    + tail(log));
          }
        }
        found = find();
        if (found == null) {
          throw new IllegalStateException("chromium installed but not on the PATH; log: " + log);
        }
        return found;
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot install chromium: " + e.getMessage(), e);
    }
  }

  private static int run(List<String> command, Path log) throws IOException {
    Process p =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
            .start();
    try {
      if (!p.waitFor(INSTALL_TIMEOUT.toMinutes(), TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new IllegalStateException(
            String.join(" ", command) + " took over " + INSTALL_TIMEOUT.toMinutes() + " minutes");
      }
      return p.exitValue();
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted: " + String.join(" ", command), e);
    }
  }

  /** A PNG screenshot of {@code page} in a window of the given size. */
  public static byte[] screenshot(Path page, int width, int height) {
    Path dir = tempDir();
    try {
      Path png = dir.resolve("screenshot.png");
      browse(
          dir,
          List.of(
              "--hide-scrollbars", "--window-size=" + width + "," + height, "--screenshot=" + png),
          page);
      if (!Files.exists(png)) {
        throw new IllegalStateException("chromium wrote no screenshot of " + page);
      }
      return Files.readAllBytes(png);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      delete(dir);
    }
  }

  /** The page's DOM as serialised after parsing (what {@code --dump-dom} prints). */
  public static String dumpDom(Path page) {
    Path dir = tempDir();
    try {
      return browse(dir, List.of("--dump-dom"), page);
    } finally {
      delete(dir);
    }
  }

  private static String browse(Path profile, List<String> options, Path page) {
    List<String> command =
        new ArrayList<>(
            List.of(
                binary().toString(),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--no-first-run",
                "--user-data-dir=" + profile.resolve("profile")));
    command.addAll(options);
    command.add(page.toAbsolutePath().toUri().toString());
    Path stdout = profile.resolve("stdout");
    Path stderr = profile.resolve("stderr");
    try {
      Process p =
          new ProcessBuilder(command)
              .redirectOutput(stdout.toFile())
              .redirectError(stderr.toFile())
              .start();
      if (!p.waitFor(RUN_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IllegalStateException(
            "chromium did not finish within " + RUN_TIMEOUT.toSeconds() + " s: " + tail(stderr));
      }
      if (p.exitValue() != 0) {
        throw new IllegalStateException(
            "chromium exited with " + p.exitValue() + ": " + tail(stderr));
      }
      return Files.readString(stdout, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while chromium ran", e);
    }
  }

  private static Path tempDir() {
    try {
      return Files.createTempDirectory("costtrace-chromium");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void delete(Path dir) {
    try (Stream<Path> paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException | UncheckedIOException e) {
      // a temporary directory: best effort
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no log)";
    }
  }
}
