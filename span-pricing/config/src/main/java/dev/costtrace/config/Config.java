package dev.costtrace.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads configuration by property-style key ({@code costtrace.http.port}); the same setting may
 * come as the environment variable {@code COSTTRACE_HTTP_PORT}. A system property beats an
 * environment variable. Getters return empty when unset, so that the caller's builder keeps its
 * default; a set but unusable value throws {@link ConfigException} naming key and value.
 */
public final class Config {
  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)?");
  private static final Pattern SIZE = Pattern.compile("(\\d+)\\s*(b|kb|kib|mb|mib|gb|gib)?");

  private final Map<String, String> properties;
  private final Map<String, String> environment;

  private Config(Map<String, String> properties, Map<String, String> environment) {
    this.properties = properties;
    this.environment = environment;
  }

  /** System properties and environment variables of this process. */
  public static Config fromEnvironment() {
    Map<String, String> props = new HashMap<>();
    System.getProperties().forEach((k, v) -> props.put(String.valueOf(k), String.valueOf(v)));
    return new Config(props, System.getenv());
  }

  /** Only the given property-style keys, for tests and for values from command-line flags. */
  public static Config of(Map<String, String> properties) {
    return new Config(Map.copyOf(properties), Map.of());
  }

  /** The given properties and environment variables, as the process would see them. */
  public static Config of(Map<String, String> properties, Map<String, String> environment) {
    return new Config(Map.copyOf(properties), Map.copyOf(environment));
  }

  /** A copy in which {@code overrides} (property-style keys) beat everything else. */
  public Config withOverrides(Map<String, String> overrides) {
    Map<String, String> merged = new HashMap<>(properties);
    merged.putAll(overrides);
    return new Config(merged, environment);
  }

  /** {@code costtrace.http.port} → {@code COSTTRACE_HTTP_PORT}. */
  public static String environmentName(String key) {
    return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  /** The raw value, trimmed; empty when unset or blank. */
  public Optional<String> getString(String key) {
    String value = properties.get(key);
    if (value == null) {
      value = environment.get(environmentName(key));
    }
    if (value == null || value.isBlank()) {
      return Optional.empty();
    }
    return Optional.of(value.trim());
  }

  public Optional<Integer> getInt(String key) {
    return getString(key)
        .map(v -> parseLong(key, v, Integer.MIN_VALUE, Integer.MAX_VALUE))
        .map(Long::intValue);
  }

  public Optional<Long> getLong(String key) {
    return getString(key).map(v -> parseLong(key, v, Long.MIN_VALUE, Long.MAX_VALUE));
  }

  /** A TCP port, 0 to 65535 (0: any free port). */
  public Optional<Integer> getPort(String key) {
    return getString(key).map(v -> (int) parseLong(key, v, 0, 65535));
  }

  public Optional<Boolean> getBoolean(String key) {
    return getString(key)
        .map(
            v -> {
              switch (v.toLowerCase(Locale.ROOT)) {
                case "true":
                  return true;
                case "false":
                  return false;
                default:
                  throw invalid(key, v, "expected true or false");
              }
            });
  }

  /**
   * {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code 7d}; a bare number is milliseconds.
   */
  public Optional<Duration> getDuration(String key) {
    return getString(key)
        .map(
            v -> {
              Matcher m = DURATION.matcher(v.toLowerCase(Locale.ROOT));
              if (!m.matches()) {
                throw invalid(key, v, "expected a duration such as 500ms, 30s, 5m, 1h or 7d");
              }
              long n = parseLong(key, m.group(1), 0, Long.MAX_VALUE);
              String unit = m.group(2) == null ? "ms" : m.group(2);
              switch (unit) {
                case "ms":
                  return Duration.ofMillis(n);
                case "s":
                  return Duration.ofSeconds(n);
                case "m":
                  return Duration.ofMinutes(n);
                case "h":
                  return Duration.ofHours(n);
                default:
                  return Duration.ofDays(n);
              }
            });
  }

  /** A size in bytes: {@code 4194304}, {@code 4MiB}, {@code 512KB}, {@code 2GiB} (KB = KiB). */
  public Optional<Long> getBytes(String key) {
    return getString(key)
        .map(
            v -> {
              Matcher m = SIZE.matcher(v.toLowerCase(Locale.ROOT).replace(" ", ""));
              if (!m.matches()) {
                throw invalid(key, v, "expected a size such as 4194304, 512KiB, 4MiB or 2GiB");
              }
              long n = parseLong(key, m.group(1), 0, Long.MAX_VALUE);
              String unit = m.group(2) == null ? "b" : m.group(2);
              int shift =
                  unit.startsWith("k")
                      ? 10
                      : unit.startsWith("m") ? 20 : unit.startsWith("g") ? 30 : 0;
              if (shift > 0 && n > (Long.MAX_VALUE >> shift)) {
                throw invalid(key, v, "too large");
              }
              return n << shift;
            });
  }

  /** A comma-separated list, entries trimmed, empty entries dropped. */
  public Optional<List<String>> getList(String key) {
    return getString(key)
        .map(
            v -> {
              List<String> out = new ArrayList<>();
              for (String part : v.split(",")) {
                if (!part.isBlank()) {
                  out.add(part.trim());
                }
              }
              return List.copyOf(out);
            });
  }

  /** {@code key1=value1,key2=value2}, as OTEL_RESOURCE_ATTRIBUTES; insertion order kept. */
  public Optional<Map<String, String>> getMap(String key) {
    return getString(key)
        .map(
            v -> {
              Map<String, String> out = new java.util.LinkedHashMap<>();
              for (String part : v.split(",")) {
                if (part.isBlank()) {
                  continue;
                }
                int eq = part.indexOf('=');
                if (eq <= 0) {
                  throw invalid(key, v, "expected key=value pairs separated by commas");
                }
                out.put(part.substring(0, eq).trim(), part.substring(eq + 1).trim());
              }
              return java.util.Collections.unmodifiableMap(out);
            });
  }

  private static long parseLong(String key, String value, long min, long max) {
    long n;
    try {
      n = Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      throw invalid(key, value, "expected a whole number");
    }
    if (n < min || n > max) {
      throw invalid(key, value, "expected a number from " + min + " to " + max);
    }
    return n;
  }

  /** An exception for {@code key} naming both spellings of the key and the bad value. */
  public static ConfigException invalid(String key, String value, String why) {
    return new ConfigException(
        "Invalid value '" + value + "' for " + key + " (" + environmentName(key) + "): " + why);
  }
}
