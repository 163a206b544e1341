package dev.costtrace.receiver.auth;

import dev.costtrace.config.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.logging.Logger;

/**
 * The tokens file: one {@code tenant=token} per line, {@code #} comments and blank lines ignored. A
 * token maps to exactly one tenant. A line {@code *=token} declares an admin token: it reads every
 * tenant's costs through the cost API and exports nothing ({@code *} is no tenant name). The file
 * is read again when it changes (checked at most every {@link Builder#DEFAULT_RELOAD_INTERVAL}); a
 * file that no longer reads keeps the tokens that were in force and logs why, so a bad edit never
 * locks every exporter out.
 *
 * <p>Only SHA-256 digests of the tokens are kept, and a presented token is compared with every
 * known one by {@link MessageDigest#isEqual}, so neither memory nor timing gives a token away.
 */
public final class BearerTokens {
  private static final Logger LOG = Logger.getLogger(BearerTokens.class.getName());

  /** The configuration key the file comes from, named in every error. */
  public static final String CONFIG_KEY = "costtrace.auth.tokens.file";

  /** Marks an admin token in the file, in the tenant's place. */
  public static final String ADMIN = "*";

  private record Entry(byte[] digest, String tenant) {}

  /** Who presented a known token: a tenant, or an admin (tenant null), who sees every tenant. */
  public record Caller(String tenant) {
    public boolean admin() {
      return tenant == null;
    }
  }

  private final Path file;
  private final Duration reloadInterval;
  private final Clock clock;
  private volatile List<Entry> entries;

  /**
   * Tokens made in this process ({@link #grantEphemeral}), never written anywhere; not reloaded.
   */
  private final List<Entry> ephemeral = new java.util.concurrent.CopyOnWriteArrayList<>();

  private volatile FileTime loadedVersion;
  private volatile long nextCheckMillis;

  private BearerTokens(Builder b) {
    this.file = b.file;
    this.reloadInterval = b.reloadInterval;
    this.clock = b.clock;
    try {
      this.loadedVersion = Files.getLastModifiedTime(file);
      this.entries = parse(Files.readString(file, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new ConfigException(
          CONFIG_KEY + "=" + file + ": cannot read the tokens file: " + e.getMessage());
    } catch (IllegalArgumentException e) {
      throw new ConfigException(CONFIG_KEY + "=" + file + ": " + e.getMessage());
    }
    this.nextCheckMillis = clock.millis() + reloadInterval.toMillis();
  }

  public static Builder builder(Path file) {
    return new Builder(file);
  }

  /** How many tokens are in force. */
  public int size() {
    return entries.size();
  }

  /**
   * The tenant of an {@code Authorization} header value ({@code Bearer <token>}, scheme case
   * insensitive), or null when the header is missing, malformed, names no known token or an admin
   * token (which exports nothing).
   */
  public String tenantFor(String authorization) {
    Caller caller = callerFor(authorization);
    return caller == null ? null : caller.tenant();
  }

  /**
   * Who an {@code Authorization} header value belongs to: a tenant or an admin; null when the
   * header is missing, malformed or names no known token.
   */
  public Caller callerFor(String authorization) {
    reloadIfChanged();
    if (authorization == null) {
      return null;
    }
    String value = authorization.trim();
    if (value.length() < 7 || !value.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return null;
    }
    byte[] presented = sha256(value.substring(7).trim());
    Entry found = null;
    for (Entry e :
        entries) { // no early exit: the time taken does not depend on which token matched
      if (MessageDigest.isEqual(e.digest, presented)) {
        found = e;
      }
    }
    for (Entry e : ephemeral) {
      if (MessageDigest.isEqual(e.digest, presented)) {
        found = e;
      }
    }
    if (found == null) {
      return null;
    }
    return new Caller(found.tenant.equals(ADMIN) ? null : found.tenant);
  }

  /**
   * A new random token (256 bits) for {@code tenant}, valid in this process until the returned
   * grant is closed; for senders inside the receiver's own process (the quick start's demo), which
   * must not need a token from the file.
   */
  public Grant grantEphemeral(String tenant) {
    byte[] random = new byte[32];
    new java.security.SecureRandom().nextBytes(random);
    String token = java.util.Base64.getUrlEncoder().withoutPadding().encodeToString(random);
    if (Objects.requireNonNull(tenant, "tenant").equals(ADMIN)) {
      throw new IllegalArgumentException("an ephemeral token is a tenant's, not an admin's");
    }
    Entry entry = new Entry(sha256(token), tenant);
    ephemeral.add(entry);
    return new Grant(token, () -> ephemeral.remove(entry));
  }

  /** An ephemeral token; closing it revokes it. */
  public static final class Grant implements AutoCloseable {
    private final String token;
    private final Runnable revoke;

    private Grant(String token, Runnable revoke) {
      this.token = token;
      this.revoke = revoke;
    }

    public String token() {
      return token;
    }

    @Override
    public void close() {
      revoke.run();
    }
  }

  private void reloadIfChanged() {
    long now = clock.millis();
    if (now < nextCheckMillis) {
      return;
    }
    synchronized (this) {
      if (now < nextCheckMillis) {
        return;
      }
      nextCheckMillis = now + reloadInterval.toMillis();
      try {
        FileTime version = Files.getLastModifiedTime(file);
        if (version.equals(loadedVersion)) {
          return;
        }
        List<Entry> fresh = parse(Files.readString(file, StandardCharsets.UTF_8));
        entries = fresh;
        loadedVersion = version;
        LOG.info("reloaded " + fresh.size() + " bearer tokens from " + file);
      } catch (IOException | IllegalArgumentException e) {
        LOG.warning(
            CONFIG_KEY
                + "="
                + file
                + ": not reloaded, the previous tokens stay in force: "
                + e.getMessage());
      }
    }
  }

  /** Parses the file's text; errors name the line, never the token. */
  static List<Entry> parse(String text) {
    List<Entry> out = new ArrayList<>();
    Map<String, String> tenantByDigest = new HashMap<>();
    String[] lines = text.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i].trim();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      int eq = line.indexOf('=');
      if (eq <= 0 || eq == line.length() - 1) {
        throw new IllegalArgumentException("line " + (i + 1) + ": expected tenant=token");
      }
      String tenant = line.substring(0, eq).trim();
      String token = line.substring(eq + 1).trim();
      if (tenant.isEmpty() || token.isEmpty() || token.chars().anyMatch(Character::isWhitespace)) {
        throw new IllegalArgumentException(
            "line " + (i + 1) + ": expected tenant=token, with no spaces in the token");
      }
      byte[] digest = sha256(token);
      String hex = java.util.HexFormat.of().formatHex(digest);
      String previous = tenantByDigest.putIfAbsent(hex, tenant);
      if (previous != null) {
        throw new IllegalArgumentException(
            "line "
                + (i + 1)
                + ": this token is already given to "
                + (previous.equals(ADMIN) ? "an admin" : "tenant '" + previous + "'"));
      }
      out.add(new Entry(digest, tenant));
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no tokens: every export would be refused");
    }
    return List.copyOf(out);
  }

  private static byte[] sha256(String s) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Builder for {@link BearerTokens}; every default is here. */
  public static final class Builder {
    public static final Duration DEFAULT_RELOAD_INTERVAL = Duration.ofSeconds(5);

    private final Path file;
    private Duration reloadInterval = DEFAULT_RELOAD_INTERVAL;
    private Clock clock = Clock.systemUTC();

    private Builder(Path file) {
      this.file = Objects.requireNonNull(file, "file");
    }

    /** How often, at most, the file's modification time is checked. */
    public Builder reloadInterval(Duration interval) {
      if (interval.isNegative()) {
        throw new IllegalArgumentException("reloadInterval must be non-negative");
      }
      this.reloadInterval = interval;
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Reads the file; a missing or malformed file fails fast, naming the key and the line. */
    public BearerTokens build() {
      return new BearerTokens(this);
    }
  }
}
