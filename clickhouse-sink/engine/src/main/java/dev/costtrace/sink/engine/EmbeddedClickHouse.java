package dev.costtrace.sink.engine;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The embedded engine: chDB (ClickHouse as a library, from the npm package {@code chdb}) in its own
 * Node.js process, behind a loopback HTTP front that speaks what the official Java client uses. For
 * trying CostTrace and for tests; production uses a ClickHouse server.
 *
 * <p>The engine stays out of the JVM on purpose: libchdb replaces the process's signal handlers,
 * which breaks the JVM. The front exits when its standard input closes, so it never outlives the
 * JVM that started it; while that JVM runs, the engine is supervised: restarted on the same port
 * when it dies ({@link SupervisedFront}). One data directory has at most one front: a second
 * process finds the running one through the state file in the data directory and reuses it.
 *
 * <p>The front answers only clients that send this run's secret (as the ClickHouse password): a
 * random value the starting process hands it, which the front writes owner-only beside its state
 * file for a second process of the same user. It refuses SQL that reads or writes files or the
 * network ({@code file()}, {@code INFILE}, {@code OUTFILE}, {@code url()}, ...). The data directory
 * is created owner-only.
 */
public final class EmbeddedClickHouse {
  private static final Logger LOG = Logger.getLogger(EmbeddedClickHouse.class.getName());
  private static final String RESOURCES = "/dev/costtrace/sink/engine/";
  private static final List<String> FILES =
      List.of("front.js", "package.json", "package-lock.json");
  private static final String STATE_FILE = ".costtrace-front.json";

  /** The front's secret, owner-only, beside the state file; what clients send as the password. */
  static final String SECRET_FILE = ".costtrace-front.secret";

  /**
   * The environment variable the front reads its secret from (never the command line: ps shows it).
   */
  static final String SECRET_ENV = "COSTTRACE_FRONT_SECRET";

  /** The user the front's clients name; only the secret is checked. */
  static final String USER = "default";

  private static final java.security.SecureRandom RANDOM = new java.security.SecureRandom();
  private static final java.util.Map<Path, String> SECRETS =
      new java.util.concurrent.ConcurrentHashMap<>();
  private static final Pattern STATE = Pattern.compile("\"pid\":(\\d+),\"port\":(\\d+)");

  private final Path dataDir;
  private final Path installRoot;
  private final Duration startTimeout;
  private final String node;
  private final String npm;
  private final int port;
  private final Duration restartBackoff;
  private final Duration maxRestartBackoff;

  private EmbeddedClickHouse(Builder b) {
    this.dataDir = b.dataDir.toAbsolutePath();
    this.installRoot = b.installRoot.toAbsolutePath();
    this.startTimeout = b.startTimeout;
    this.node = b.node;
    this.npm = b.npm;
    this.port = b.port;
    this.restartBackoff = b.restartBackoff;
    this.maxRestartBackoff = b.maxRestartBackoff;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The data directory this engine keeps its tables in. */
  public Path dataDir() {
    return dataDir;
  }

  /**
   * Returns an endpoint to the engine of this data directory: the running one if another process
   * started it, else a new one (installed from npm on first use). Closing the endpoint stops the
   * engine only if this call started it.
   */
  public ClickHouseEndpoint start() {
    try {
      OwnerOnly.createDirectories(dataDir);
      ClickHouseEndpoint running = findRunning();
      if (running != null) {
        return running;
      }
      Path install = install();
      long deadline = System.nanoTime() + startTimeout.toNanos();
      while (true) {
        try {
          return launch(install, deadline);
        } catch (EngineException e) {
          // Another process may have opened this data directory a moment before us.
          running = findRunning();
          if (running != null) {
            return running;
          }
          if (System.nanoTime() > deadline) {
            throw e;
          }
          LOG.info("embedded ClickHouse did not start, retrying: " + e.getMessage());
          sleep(500);
        }
      }
    } catch (IOException e) {
      throw new EngineException("embedded ClickHouse: " + e.getMessage(), e);
    }
  }

  private ClickHouseEndpoint findRunning() {
    Path state = dataDir.resolve(STATE_FILE);
    String text;
    String secret;
    try {
      text = Files.readString(state);
      secret = Files.readString(dataDir.resolve(SECRET_FILE)).trim();
    } catch (IOException e) {
      return null;
    }
    Matcher m = STATE.matcher(text);
    if (!m.find()) {
      return null;
    }
    long pid = Long.parseLong(m.group(1));
    int port = Integer.parseInt(m.group(2));
    if (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false) && ping(port)) {
      // Another process started it and supervises it: this one only reports whether it answers.
      return new ClickHouseEndpoint(
          ClickHouseEndpoint.Kind.EMBEDDED,
          "http://127.0.0.1:" + port,
          USER,
          secret,
          "default",
          null,
          () ->
              new EngineStatus(ping(port), 0, ProcessHandle.of(pid).isPresent() ? pid : -1, port));
    }
    return null;
  }

  /** Copies the front into a directory named by its content hash and installs chdb once. */
  private Path install() throws IOException {
    MessageDigest digest = sha256();
    byte[][] contents = new byte[FILES.size()][];
    for (int i = 0; i < FILES.size(); i++) {
      try (InputStream in =
          EmbeddedClickHouse.class.getResourceAsStream(RESOURCES + FILES.get(i))) {
        if (in == null) {
          throw new EngineException("embedded engine resource " + FILES.get(i) + " missing");
        }
        contents[i] = in.readAllBytes();
      }
      digest.update(contents[i]);
    }
    Path dir = installRoot.resolve("chdb-" + HexFormat.of().formatHex(digest.digest(), 0, 6));
    Files.createDirectories(dir);
    // Surefire forks and several CLI processes may install at once: one does, the others wait.
    try (FileChannel channel =
            FileChannel.open(
                dir.resolve(".install.lock"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = channel.lock()) {
      for (int i = 0; i < FILES.size(); i++) {
        Path f = dir.resolve(FILES.get(i));
        if (!Files.exists(f) || !java.util.Arrays.equals(Files.readAllBytes(f), contents[i])) {
          Files.write(f, contents[i]);
        }
      }
      if (!Files.exists(dir.resolve("node_modules/.costtrace-installed"))) {
        npmInstall(dir);
        Files.writeString(dir.resolve("node_modules/.costtrace-installed"), "ok");
      }
    }
    return dir;
  }

  private void npmInstall(Path dir) throws IOException {
    LOG.info("installing the embedded ClickHouse engine (npm package chdb) into " + dir);
    Path log = dir.resolve("npm-install.log");
    Process p;
    try {
      // Not "npm ci": npm 11 leaves other platforms' optional chdb packages out of the lock file
      // and then refuses it. "npm install" against the lock installs exactly its pinned,
      // integrity-checked versions (chdb itself pins its platform package exactly).
      p =
          new ProcessBuilder(
                  npm, "install", "--no-audit", "--no-fund", "--no-save", "--loglevel=error")
              .directory(dir.toFile())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
    } catch (IOException e) {
      throw new EngineException(
          "the embedded ClickHouse engine needs Node.js and npm on the PATH"
              + " (or set CLICKHOUSE_URL to a ClickHouse server): "
              + e.getMessage(),
          e);
    }
    try {
      if (!p.waitFor(10, TimeUnit.MINUTES)) {
        p.destroyForcibly();
        throw new EngineException(
            "npm install of the embedded engine took over 10 minutes; log: " + log);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new EngineException("interrupted while installing the embedded engine");
    }
    if (p.exitValue() != 0) {
      throw new EngineException(
          "npm install of the embedded engine failed (exit " + p.exitValue() + "): " + tail(log));
    }
  }

  /** Starts the engine under supervision; the endpoint stops both when closed. */
  private ClickHouseEndpoint launch(Path install, long deadline) throws IOException {
    String secret = secret();
    SupervisedFront front =
        new SupervisedFront(
            (port, until) -> launchOnce(install, secret, port, until),
            startTimeout,
            restartBackoff,
            maxRestartBackoff,
            Builder.STABLE_AFTER);
    int listening = front.start(port, deadline);
    Thread hook = new Thread(front::stop, "costtrace-embedded-clickhouse-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    LOG.info("embedded ClickHouse (chDB) on 127.0.0.1:" + listening + ", data in " + dataDir);
    return new ClickHouseEndpoint(
        ClickHouseEndpoint.Kind.EMBEDDED,
        "http://127.0.0.1:" + listening,
        USER,
        secret,
        "default",
        () -> {
          front.stop();
          try {
            Runtime.getRuntime().removeShutdownHook(hook);
          } catch (IllegalStateException e) {
            // already shutting down
          }
        },
        front::status);
  }

  /**
   * This process's secret for the data directory: made once per run, so that an engine this process
   * starts again (after an outage it caused, or a stop and start) takes the clients it made before.
   */
  private String secret() {
    return SECRETS.computeIfAbsent(
        dataDir,
        d -> {
          byte[] bytes = new byte[32];
          RANDOM.nextBytes(bytes);
          return HexFormat.of().formatHex(bytes);
        });
  }

  /**
   * One start of the front process, on {@code port} (0: any); it answers /ping when this returns.
   */
  private SupervisedFront.Launched launchOnce(Path install, String secret, int port, long deadline)
      throws IOException {
    Path log = SupervisedFront.log(dataDir);
    ProcessBuilder pb =
        new ProcessBuilder(
                node,
                install.resolve("front.js").toString(),
                "--data",
                dataDir.toString(),
                "--port",
                Integer.toString(port))
            .directory(install.toFile())
            .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().put("TZ", "UTC");
    pb.environment().put(SECRET_ENV, secret);
    Process process;
    try {
      process = pb.start();
    } catch (IOException e) {
      throw new EngineException(
          "the embedded ClickHouse engine needs Node.js on the PATH (or set"
              + " CLICKHOUSE_URL to a ClickHouse server): "
              + e.getMessage(),
          e);
    }
    // stdin stays open for the process's life: when this JVM dies the front sees EOF and exits.
    int listening = SupervisedFront.awaitListening(process, deadline);
    if (listening < 0) {
      stop(process);
      throw new EngineException("embedded ClickHouse did not start: " + tail(log));
    }
    while (!ping(listening)) {
      if (System.nanoTime() > deadline || !process.isAlive()) {
        stop(process);
        throw new EngineException("embedded ClickHouse does not answer /ping: " + tail(log));
      }
      sleep(50);
    }
    return new SupervisedFront.Launched(process, listening);
  }

  static void stop(Process process) {
    if (!process.isAlive()) {
      return;
    }
    process.destroy(); // SIGTERM: the front closes its session and removes its state file
    try {
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  static boolean ping(int port) {
    try {
      HttpURLConnection c =
          (HttpURLConnection)
              URI.create("http://127.0.0.1:" + port + "/ping").toURL().openConnection();
      c.setConnectTimeout(500);
      c.setReadTimeout(2000);
      try (InputStream in = c.getInputStream()) {
        return c.getResponseCode() == 200
            && new String(in.readAllBytes(), StandardCharsets.UTF_8).startsWith("Ok.");
      } finally {
        c.disconnect();
      }
    } catch (IOException e) {
      return false;
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(no log at " + log + ")";
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new EngineException("interrupted while waiting for the embedded engine");
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Builder for {@link EmbeddedClickHouse}; every default is here. */
  public static final class Builder {
    static final Duration DEFAULT_START_TIMEOUT = Duration.ofMinutes(2);
    static final Duration DEFAULT_RESTART_BACKOFF = Duration.ofMillis(500);
    static final Duration DEFAULT_MAX_RESTART_BACKOFF = Duration.ofSeconds(30);

    /** An engine that ran this long before dying is restarted after the initial back-off again. */
    static final Duration STABLE_AFTER = Duration.ofMinutes(1);

    private Path dataDir = defaultDataDir();
    private Path installRoot = defaultInstallRoot();
    private Duration startTimeout = DEFAULT_START_TIMEOUT;
    private String node = "node";
    private String npm = "npm";
    private int port;
    private Duration restartBackoff = DEFAULT_RESTART_BACKOFF;
    private Duration maxRestartBackoff = DEFAULT_MAX_RESTART_BACKOFF;

    private Builder() {}

    /**
     * How long after the engine dies it is started again (default 500 ms), doubling while it keeps
     * dying, up to {@code max} (default 30 s).
     */
    public Builder restartBackoff(Duration initial, Duration max) {
      if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0) {
        throw new IllegalArgumentException(
            "restartBackoff must be positive and at most its maximum");
      }
      this.restartBackoff = initial;
      this.maxRestartBackoff = max;
      return this;
    }

    /** The loopback port to listen on (default 0: any free port). */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be from 0 to 65535");
      }
      this.port = port;
      return this;
    }

    static Path defaultDataDir() {
      return Path.of(System.getProperty("user.home"), ".local", "share", "costtrace", "clickhouse");
    }

    static Path defaultInstallRoot() {
      return Path.of(System.getProperty("user.home"), ".cache", "costtrace");
    }

    /** Where tables live (default {@code ~/.local/share/costtrace/clickhouse}). */
    public Builder dataDir(Path dir) {
      this.dataDir = Objects.requireNonNull(dir, "dataDir");
      return this;
    }

    /** Where the engine is installed from npm (default {@code ~/.cache/costtrace}). */
    public Builder installRoot(Path dir) {
      this.installRoot = Objects.requireNonNull(dir, "installRoot");
      return this;
    }

    public Builder startTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("startTimeout must be positive");
      }
      this.startTimeout = timeout;
      return this;
    }

    /** The node executable (default {@code node} on the PATH). */
    public Builder node(String command) {
      this.node = Objects.requireNonNull(command, "node");
      return this;
    }

    /** The npm executable (default {@code npm} on the PATH). */
    public Builder npm(String command) {
      this.npm = Objects.requireNonNull(command, "npm");
      return this;
    }

    public EmbeddedClickHouse build() {
      return new EmbeddedClickHouse(this);
    }
  }
}
