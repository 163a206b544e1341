package dev.costtrace.pricing.catalog;

import dev.costtrace.config.Config;
import dev.costtrace.pricing.tools.ToolCostRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Where prices come from, layered: the bundled catalog (the genai-prices reference data, or the
 * same format fetched from {@code costtrace.prices.url}, with our corrections on top), then the
 * user's genai-prices files ({@code costtrace.prices}, in order), then an override file. When a
 * file changes it is reloaded without a restart, and the URL is fetched again every {@code
 * costtrace.prices.url.interval}; a file or fetch that fails to load is rejected with a message
 * naming it and the field, and the previous tables stay in force.
 */
public final class PriceCatalogSource implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(PriceCatalogSource.class.getName());

  /** The genai-prices reference data, generated from the pinned npm package (genai-prices/). */
  static final String BUNDLED_CATALOG = "/dev/costtrace/pricing/catalog/genai-prices.json";

  /** Our corrections and additions, each with its source and reason, on top of it. */
  static final String BUNDLED_CORRECTIONS = "/dev/costtrace/pricing/catalog/corrections.json";

  private final boolean bundled;
  private final List<Path> catalogFiles;
  private final Path overridesFile;
  private final List<Path> toolFiles;
  private final Duration reloadInterval;
  private final RemoteCatalog remote;
  private final Duration urlInterval;
  private final Object lock = new Object();
  private volatile PricingTables current;
  private volatile String lastError;
  private List<FileTime> loadedStamps;
  private ScheduledExecutorService poller;

  private PriceCatalogSource(Builder b) {
    this.bundled = b.bundled;
    this.catalogFiles = List.copyOf(b.catalogFiles);
    this.overridesFile = b.overridesFile;
    this.toolFiles = List.copyOf(b.toolFiles);
    this.reloadInterval = b.reloadInterval;
    this.remote = b.pricesUrl == null ? null : new RemoteCatalog(b.pricesUrl);
    this.urlInterval = b.urlInterval;
    this.loadedStamps = stamps();
    this.current = load(); // a bad file at start-up fails fast
    if (remote != null) {
      refreshFromUrl(); // a URL that fails leaves the bundled catalog in force
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * From configuration: {@code costtrace.prices} (comma-separated genai-prices files), {@code
   * costtrace.prices.overrides} (override file), {@code costtrace.prices.tools} (tool price files),
   * {@code costtrace.prices.bundled} (false to drop the bundled catalog), {@code
   * costtrace.prices.reload.interval} (0 disables reloading), {@code costtrace.prices.url} (a
   * genai-prices file to fetch in place of the bundled one) and {@code
   * costtrace.prices.url.interval} (how often to fetch it again; 0: only at start).
   */
  public static Builder builder(Config config) {
    Builder b = builder();
    config.getString("costtrace.prices.url").ifPresent(u -> b.pricesUrl(url(u)));
    config.getDuration("costtrace.prices.url.interval").ifPresent(b::urlInterval);
    config.getList("costtrace.prices").ifPresent(l -> l.forEach(p -> b.addCatalogFile(Path.of(p))));
    config.getString("costtrace.prices.overrides").ifPresent(p -> b.overridesFile(Path.of(p)));
    config
        .getList("costtrace.prices.tools")
        .ifPresent(l -> l.forEach(p -> b.addToolFile(Path.of(p))));
    config.getBoolean("costtrace.prices.bundled").ifPresent(b::bundled);
    config.getDuration("costtrace.prices.reload.interval").ifPresent(b::reloadInterval);
    return b;
  }

  /** The tables in force. */
  public PricingTables current() {
    return current;
  }

  /** Why the last reload was rejected, or null if it was not. */
  public String lastError() {
    return lastError;
  }

  /**
   * Reloads when any file's modification time changed. On failure the previous tables stay, and
   * {@link #lastError()} says why.
   *
   * @return true when new tables were loaded
   */
  public boolean reloadIfChanged() {
    synchronized (lock) {
      List<FileTime> now = stamps();
      if (now.equals(loadedStamps)) {
        return false;
      }
      loadedStamps = now;
      try {
        current = load();
        lastError = null;
        LOG.info("price catalog reloaded: " + current.version());
        return true;
      } catch (RuntimeException e) {
        lastError = e.getMessage();
        LOG.log(Level.WARNING, "price file rejected, previous catalog stays: " + e.getMessage());
        return false;
      }
    }
  }

  /**
   * Fetches {@code costtrace.prices.url} again (a 304 when unchanged), validates what comes back by
   * loading the whole catalog with it, and puts it in force. On failure the previous tables stay,
   * and {@link #lastError()} says why.
   *
   * @return true when new tables were loaded
   */
  public boolean refreshFromUrl() {
    if (remote == null) {
      return false;
    }
    synchronized (lock) {
      try {
        RemoteCatalog.Fetched f = remote.fetch();
        if (f == null) {
          return false;
        }
        PricingTables tables = load(f.content());
        remote.accept(f);
        current = tables;
        lastError = null;
        LOG.info("price catalog loaded from " + remote.uri() + ": " + tables.version());
        return true;
      } catch (RuntimeException e) {
        lastError = e.getMessage();
        LOG.log(
            Level.WARNING,
            "prices from "
                + remote.uri()
                + " rejected, previous catalog"
                + " stays: "
                + e.getMessage());
        return false;
      }
    }
  }

  /**
   * Starts polling the files for changes, when a reload interval is set, and fetching the URL
   * again, when its interval is set. Idempotent.
   */
  public PriceCatalogSource start() {
    synchronized (lock) {
      boolean files = !reloadInterval.isZero() && hasFiles();
      boolean url = remote != null && !urlInterval.isZero();
      if (poller == null && (files || url)) {
        poller =
            Executors.newSingleThreadScheduledExecutor(
                r -> {
                  Thread t = new Thread(r, "costtrace-price-reload");
                  t.setDaemon(true);
                  return t;
                });
        if (files) {
          long ms = reloadInterval.toMillis();
          poller.scheduleWithFixedDelay(
              () -> quietly(this::reloadIfChanged), ms, ms, TimeUnit.MILLISECONDS);
        }
        if (url) {
          long ms = urlInterval.toMillis();
          poller.scheduleWithFixedDelay(
              () -> quietly(this::refreshFromUrl), ms, ms, TimeUnit.MILLISECONDS);
        }
      }
    }
    return this;
  }

  private static void quietly(java.util.function.BooleanSupplier reload) {
    try {
      reload.getAsBoolean();
    } catch (Throwable t) {
      LOG.log(Level.WARNING, "price reload failed", t);
    }
  }

  @Override
  public void close() {
    synchronized (lock) {
      if (poller != null) {
        poller.shutdownNow();
        poller = null;
      }
    }
  }

  private boolean hasFiles() {
    return !catalogFiles.isEmpty() || overridesFile != null || !toolFiles.isEmpty();
  }

  private List<FileTime> stamps() {
    List<FileTime> out = new ArrayList<>();
    List<Path> all = new ArrayList<>(catalogFiles);
    all.addAll(toolFiles);
    if (overridesFile != null) {
      all.add(overridesFile);
    }
    for (Path p : all) {
      try {
        out.add(Files.getLastModifiedTime(p));
      } catch (IOException e) {
        out.add(FileTime.fromMillis(-1));
      }
    }
    return out;
  }

  private PricingTables load() {
    return load(remote == null ? null : remote.content());
  }

  /** Loads every layer; {@code fetched}, when not null, is the base layer in place of ours. */
  private PricingTables load(byte[] fetched) {
    MessageDigest digest = sha256();
    List<List<ProviderEntry>> layers = new ArrayList<>();
    String bundledLabel = "none";
    if (bundled) {
      String name = fetched == null ? "genai-prices.json" : remote.uri().toString();
      byte[] content = fetched == null ? bundledCatalog() : fetched;
      byte[] corrections = resource(BUNDLED_CORRECTIONS);
      digest.update(content);
      digest.update(corrections);
      List<ProviderEntry> base = CatalogLoader.parse(content, name);
      if (base.stream().allMatch(p -> p.models().isEmpty())) {
        throw new CatalogException(name + ": no models");
      }
      layers.add(base);
      layers.add(Corrections.parse(corrections, "corrections.json").layerOver(base));
      bundledLabel = fetched == null ? "bundled" : "url";
    }
    for (Path p : catalogFiles) {
      byte[] content = read(p);
      digest.update(content);
      layers.add(CatalogLoader.parse(content, p.toString()));
    }
    PriceOverrides overrides = PriceOverrides.NONE;
    if (overridesFile != null) {
      byte[] content = read(overridesFile);
      digest.update(content);
      overrides = PriceOverrides.parse(content, overridesFile.toString());
    }
    ToolCostRegistry tools = ToolCostRegistry.bundled();
    for (Path p : toolFiles) {
      byte[] content = read(p);
      digest.update(content);
      tools = tools.with(content, p.toString());
    }
    String version =
        bundledLabel
            + (catalogFiles.isEmpty() && overridesFile == null && toolFiles.isEmpty()
                ? ""
                : "+user")
            + "@"
            + HexFormat.of().formatHex(digest.digest(), 0, 6);
    PriceCatalog catalog = new PriceCatalog(PriceCatalog.layer(layers), version);
    return new PricingTables(catalog, overrides, tools, ServiceTiers.bundled(), version);
  }

  /** The generated genai-prices base layer of the bundled catalog. */
  static byte[] bundledCatalog() {
    return resource(BUNDLED_CATALOG);
  }

  /** Our corrections and additions of the bundled catalog. */
  public static Corrections bundledCorrections() {
    return Corrections.parse(resource(BUNDLED_CORRECTIONS), "corrections.json");
  }

  private static byte[] resource(String name) {
    try (InputStream in = PriceCatalogSource.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new CatalogException("bundled " + name + " missing from the class path");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new CatalogException("bundled " + name + " unreadable: " + e.getMessage(), e);
    }
  }

  private static byte[] read(Path p) {
    try {
      return Files.readAllBytes(p);
    } catch (NoSuchFileException e) {
      throw new CatalogException(p + ": no such file");
    } catch (IOException e) {
      throw new CatalogException(p + ": cannot be read: " + e.getMessage(), e);
    }
  }

  private static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static URI url(String value) {
    try {
      URI uri = new URI(value);
      if (!"https".equals(uri.getScheme()) && !"http".equals(uri.getScheme())) {
        throw Config.invalid("costtrace.prices.url", value, "expected an http(s) URL");
      }
      return uri;
    } catch (URISyntaxException e) {
      throw Config.invalid("costtrace.prices.url", value, e.getReason());
    }
  }

  /** Builder for {@link PriceCatalogSource}; every default is here. */
  public static final class Builder {
    static final Duration DEFAULT_RELOAD_INTERVAL = Duration.ofSeconds(10);
    static final Duration DEFAULT_URL_INTERVAL = Duration.ofHours(1);

    private boolean bundled = true;
    private final List<Path> catalogFiles = new ArrayList<>();
    private Path overridesFile;
    private final List<Path> toolFiles = new ArrayList<>();
    private Duration reloadInterval = DEFAULT_RELOAD_INTERVAL;
    private URI pricesUrl;
    private Duration urlInterval = DEFAULT_URL_INTERVAL;

    private Builder() {}

    /**
     * A genai-prices file to fetch in place of the bundled base layer (our corrections still apply
     * on top); until a fetch succeeds and validates, the bundled catalog stays in force.
     */
    public Builder pricesUrl(URI url) {
      this.pricesUrl = Objects.requireNonNull(url, "pricesUrl");
      return this;
    }

    /** How often the URL is fetched again (default 1h); zero fetches it only at start. */
    public Builder urlInterval(Duration interval) {
      this.urlInterval = nonNegative(interval, "urlInterval");
      return this;
    }

    /** Whether the bundled catalog is the bottom layer (default true). */
    public Builder bundled(boolean bundled) {
      this.bundled = bundled;
      return this;
    }

    /** A genai-prices file layered above the previous ones. */
    public Builder addCatalogFile(Path file) {
      catalogFiles.add(Objects.requireNonNull(file, "file"));
      return this;
    }

    public Builder overridesFile(Path file) {
      this.overridesFile = file;
      return this;
    }

    public Builder addToolFile(Path file) {
      toolFiles.add(Objects.requireNonNull(file, "file"));
      return this;
    }

    /** How often files are checked for changes; zero disables reloading. */
    public Builder reloadInterval(Duration interval) {
      this.reloadInterval = nonNegative(interval, "reloadInterval");
      return this;
    }

    private static Duration nonNegative(Duration interval, String name) {
      Objects.requireNonNull(interval, name);
      if (interval.isNegative()) {
        throw new IllegalArgumentException(name + " must be non-negative");
      }
      return interval;
    }

    /** Loads every file now; a bad file throws {@link CatalogException}. */
    public PriceCatalogSource build() {
      return new PriceCatalogSource(this);
    }
  }
}
