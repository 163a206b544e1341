package dev.costtrace.receiver.api;

import dev.costtrace.config.Config;
import dev.costtrace.config.ConfigException;
import java.math.BigDecimal;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The query parameters of one API request, strict: an unknown or repeated parameter, or a value
 * that does not parse, is a 400 problem naming the parameter, so a typo never silently widens a
 * query.
 */
final class ApiParams {
  /** Longest window a request may ask for (10 years; ClickHouse's DateTime64(9) ends in 2262). */
  static final Duration MAX_WINDOW = Duration.ofDays(3660);

  /** Money parameters are USD with at most the rollups' 12 fractional digits. */
  private static final int MONEY_SCALE = 12;

  private final Map<String, String> values;

  private ApiParams(Map<String, String> values) {
    this.values = values;
  }

  /** Parses a raw query string, allowing only {@code allowed} names. */
  static ApiParams parse(String rawQuery, Set<String> allowed) {
    Map<String, String> values = new LinkedHashMap<>();
    if (rawQuery != null && !rawQuery.isEmpty()) {
      for (String pair : rawQuery.split("&")) {
        if (pair.isEmpty()) {
          continue;
        }
        int eq = pair.indexOf('=');
        String name = decode(eq < 0 ? pair : pair.substring(0, eq), "parameter name");
        String value = eq < 0 ? "" : decode(pair.substring(eq + 1), name);
        if (!allowed.contains(name)) {
          throw Problem.invalidParameter(
              name,
              "unknown parameter; this endpoint takes "
                  + String.join(", ", allowed.stream().sorted().toList()));
        }
        if (values.put(name, value) != null) {
          throw Problem.invalidParameter(name, "given more than once");
        }
      }
    }
    return new ApiParams(values);
  }

  private static String decode(String s, String what) {
    try {
      return URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw Problem.invalidParameter(what, "malformed percent-encoding");
    }
  }

  /** The value, or "" when absent. */
  String text(String name) {
    return values.getOrDefault(name, "");
  }

  boolean has(String name) {
    return values.containsKey(name);
  }

  /** A window length such as 30m, 24h or 7d, positive and at most {@link #MAX_WINDOW}. */
  Duration duration(String name, Duration absent) {
    if (!values.containsKey(name)) {
      return absent;
    }
    Duration d;
    try {
      d = Config.of(Map.of(name, values.get(name))).getDuration(name).orElse(Duration.ZERO);
    } catch (ConfigException e) {
      throw Problem.invalidParameter(name, "expected a duration such as 30m, 24h or 7d");
    }
    if (d.isZero() || d.compareTo(MAX_WINDOW) > 0) {
      throw Problem.invalidParameter(
          name, "must be more than 0 and at most " + MAX_WINDOW.toDays() + "d");
    }
    return d;
  }

  /** A whole number within [min, max]. */
  int integer(String name, int absent, int min, int max) {
    if (!values.containsKey(name)) {
      return absent;
    }
    try {
      int n = Integer.parseInt(values.get(name));
      if (n >= min && n <= max) {
        return n;
      }
    } catch (NumberFormatException e) {
      // the message below says what is expected
    }
    throw Problem.invalidParameter(name, "expected a whole number from " + min + " to " + max);
  }

  /** A non-negative USD amount as a decimal string, at most 12 fractional digits. */
  BigDecimal usd(String name, BigDecimal absent) {
    if (!values.containsKey(name)) {
      return absent;
    }
    String v = values.get(name);
    try {
      BigDecimal d = new BigDecimal(v);
      if (d.signum() >= 0
          && d.stripTrailingZeros().scale() <= MONEY_SCALE
          && d.compareTo(new BigDecimal("1e20")) < 0
          && !v.contains("e")
          && !v.contains("E")) {
        return d;
      }
    } catch (NumberFormatException e) {
      // the message below says what is expected
    }
    throw Problem.invalidParameter(
        name, "expected a non-negative USD amount such as 2 or 0.05," + " at most 12 decimals");
  }

  /** true or false. */
  boolean bool(String name) {
    switch (values.getOrDefault(name, "false")) {
      case "true":
        return true;
      case "false":
        return false;
      default:
        throw Problem.invalidParameter(name, "expected true or false");
    }
  }
}
