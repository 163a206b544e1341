package dev.costtrace.sink.schema;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A query kept as a {@code .sql} resource beside the schema it reads, with {@code {name}} slots
 * filled in by the code that runs it. Values go in through {@link #literal}, {@link #nanos} or
 * after validation by the caller, never as raw input; comment lines ({@code --}) are dropped.
 */
public final class SqlTemplate {
  private static final Pattern SLOT = Pattern.compile("\\{([a-z_]+)}");
  private final String name;
  private final String text;

  private SqlTemplate(String name, String text) {
    this.name = name;
    this.text = text;
  }

  /** A resource relative to {@code base} (a class of the package that owns it). */
  public static SqlTemplate load(Class<?> base, String resource) {
    try (InputStream in = base.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException(
            "SQL resource " + resource + " missing beside " + base.getName());
      }
      StringBuilder b = new StringBuilder();
      for (String line : new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n")) {
        if (!line.trim().startsWith("--")) {
          b.append(line).append('\n');
        }
      }
      return new SqlTemplate(resource, b.toString().trim());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The query with every slot filled: pairs of slot name and text.
   *
   * @throws IllegalArgumentException when a slot is left unfilled
   */
  public String render(String... slotsAndValues) {
    if (slotsAndValues.length % 2 != 0) {
      throw new IllegalArgumentException("slots and values come in pairs");
    }
    java.util.Map<String, String> values = new java.util.HashMap<>();
    for (int i = 0; i < slotsAndValues.length; i += 2) {
      values.put(slotsAndValues[i], slotsAndValues[i + 1]);
    }
    Matcher m = SLOT.matcher(text);
    StringBuilder out = new StringBuilder(text.length() + 256);
    while (m.find()) {
      String value = values.get(m.group(1));
      if (value == null) {
        throw new IllegalArgumentException(name + ": slot " + m.group() + " not filled");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** A ClickHouse string literal of any text: quoted, backslash and quote escaped. */
  public static String literal(String value) {
    StringBuilder b = new StringBuilder(value.length() + 2).append('\'');
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == '\\' || c == '\'') {
        b.append('\\').append(c);
      } else if (c < 0x20) {
        b.append("\\x").append(HexFormat.of().toHexDigits((byte) c));
      } else {
        b.append(c);
      }
    }
    return b.append('\'').toString();
  }

  /** A {@code DateTime64(9, 'UTC')} of Unix epoch nanoseconds. */
  public static String nanos(long epochNanos) {
    return "fromUnixTimestamp64Nano(toInt64(" + epochNanos + "), 'UTC')";
  }
}
