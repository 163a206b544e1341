package dev.costtrace.dashboards;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Renders a panel's raw SQL as Grafana would send it to ClickHouse: first Grafana's template
 * interpolation ({@code $var}, {@code ${var}}, {@code ${var:format}}, {@code [[var]]}, with the
 * custom "All" value inserted unformatted), then the grafana-clickhouse-datasource plugin's macros
 * ({@code $__timeFilter(col)}, {@code $__fromTime}, {@code $__timeInterval(col)}, {@code
 * $__interval_s}, ...), with the same output the plugin's backend produces. Anything it does not
 * know is an error rather than passing through, so a typo fails a test instead of a panel.
 */
public final class GrafanaSql {
  /** Grafana's variable syntax (the frontend's TemplateSrv regex). */
  private static final Pattern VARIABLE =
      Pattern.compile(
          "\\$(\\w+)|\\[\\[(\\w+?)(?::(\\w+))?]]|\\$\\{(\\w+)(?:\\.([^:^}]+))?(?::([^}]+))?}");

  private static final Pattern MACRO = Pattern.compile("\\$__(\\w+)");
  private static final DateTimeFormatter DATE =
      DateTimeFormatter.ISO_LOCAL_DATE.withZone(ZoneOffset.UTC);

  /**
   * A dashboard variable as currently selected. {@code multi}: a multi-value variable, whose value
   * Grafana formats as an array even when one option is selected.
   */
  public record Variable(
      String name, List<String> values, boolean all, String allValue, boolean multi) {
    public Variable {
      Objects.requireNonNull(name, "name");
      values = List.copyOf(values);
    }

    /** A variable with these values selected (multi-value when there are several). */
    public static Variable of(String name, String... values) {
      return new Variable(name, List.of(values), false, null, values.length > 1);
    }

    /** A multi-value variable with these values selected. */
    public static Variable multi(String name, String... values) {
      return new Variable(name, List.of(values), false, null, true);
    }

    /** A variable on "All": its custom all value if it has one, else every option. */
    public static Variable all(String name, String allValue, List<String> options) {
      return new Variable(name, options, true, allValue, true);
    }

    /** The same selection on a multi-value variable. */
    public Variable asMulti() {
      return new Variable(name, values, all, allValue, true);
    }
  }

  /** The dashboard time range and the interval Grafana computed for the panel. */
  public record TimeRange(Instant from, Instant to, Duration interval) {
    public TimeRange {
      if (!to.isAfter(from)) {
        throw new IllegalArgumentException("time range must end after it starts");
      }
    }
  }

  private GrafanaSql() {}

  /** Template interpolation, then the plugin's macros. */
  public static String render(String sql, Map<String, Variable> variables, TimeRange range) {
    return expandMacros(interpolate(sql, variables, range), range);
  }

  /** Grafana's frontend step: replaces dashboard and global variables; leaves macros alone. */
  public static String interpolate(String sql, Map<String, Variable> variables, TimeRange range) {
    Matcher m = VARIABLE.matcher(sql);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String name = firstNonNull(m.group(1), m.group(2), m.group(4));
      String format = firstNonNull(m.group(3), m.group(6));
      String value;
      if (name.startsWith("__")) {
        value = global(name, range);
        if (value == null) {
          value = m.group(); // not a Grafana variable: a plugin macro, expanded by the backend step
        }
      } else {
        Variable v = variables.get(name);
        if (v == null) {
          throw new IllegalArgumentException("undefined variable $" + name + " in: " + sql);
        }
        value = v.all() && v.allValue() != null ? v.allValue() : format(v, format);
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static String global(String name, TimeRange range) {
    switch (name) {
      case "__interval":
        return range.interval().toSeconds() + "s";
      case "__interval_ms":
        return Long.toString(range.interval().toMillis());
      case "__from":
        return Long.toString(range.from().toEpochMilli());
      case "__to":
        return Long.toString(range.to().toEpochMilli());
      default:
        return null;
    }
  }

  private static String format(Variable v, String format) {
    List<String> values = v.values();
    if (format == null || format.equals("glob")) {
      return values.size() == 1 ? values.get(0) : "{" + String.join(",", values) + "}";
    }
    switch (format) {
      case "singlequote":
        return join(values, s -> "'" + s.replace("'", "\\'") + "'");
      case "doublequote":
        return join(values, s -> "\"" + s.replace("\"", "\\\"") + "\"");
      case "sqlstring":
        return join(values, s -> "'" + s.replace("'", "''").replace("\"", "\\\"") + "'");
      case "percentencode":
        // Grafana: a multi-value variable as a glob, {a,b}, then encodeURIComponent with !'()*
        // encoded too: only A-Z a-z 0-9 - _ . ~ and %XX are left, nothing SQL can read as syntax.
        return percentEncode(
            v.multi() ? "{" + String.join(",", values) + "}" : String.join(",", values));
      case "csv":
      case "raw":
        return String.join(",", values);
      case "pipe":
        return String.join("|", values);
      default:
        throw new IllegalArgumentException(
            "unsupported variable format :" + format + " for $" + v.name());
    }
  }

  /**
   * Grafana's {@code encodeURIComponentStrict}: UTF-8 bytes, all but A-Z a-z 0-9 - _ . ~ as %XX.
   */
  static String percentEncode(String value) {
    StringBuilder out = new StringBuilder();
    for (byte b : value.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
      int c = b & 0xFF;
      if ((c >= 'A' && c <= 'Z')
          || (c >= 'a' && c <= 'z')
          || (c >= '0' && c <= '9')
          || c == '-'
          || c == '_'
          || c == '.'
          || c == '~') {
        out.append((char) c);
      } else {
        out.append('%')
            .append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
      }
    }
    return out.toString();
  }

  private static String join(List<String> values, java.util.function.UnaryOperator<String> quote) {
    return values.stream().map(quote).collect(Collectors.joining(","));
  }

  /** The plugin backend's step: {@code $__name} or {@code $__name(args)}, arguments may nest. */
  public static String expandMacros(String sql, TimeRange range) {
    StringBuilder out = new StringBuilder();
    Matcher m = MACRO.matcher(sql);
    int at = 0;
    while (m.find(at)) {
      out.append(sql, at, m.start());
      String name = m.group(1);
      int end = m.end();
      List<String> args = List.of();
      if (end < sql.length() && sql.charAt(end) == '(') {
        int close = closingParen(sql, end);
        args = splitArgs(sql.substring(end + 1, close));
        end = close + 1;
      }
      out.append(macro(name, args, range));
      at = end;
    }
    out.append(sql.substring(at));
    return out.toString();
  }

  private static String macro(String name, List<String> args, TimeRange r) {
    long fromS = r.from().getEpochSecond();
    long toS = r.to().getEpochSecond();
    long fromMs = r.from().toEpochMilli();
    long toMs = r.to().toEpochMilli();
    switch (name) {
      case "fromTime":
        return "toDateTime(" + fromS + ")";
      case "toTime":
        return "toDateTime(" + toS + ")";
      case "fromTime_ms":
        return "fromUnixTimestamp64Milli(" + fromMs + ")";
      case "toTime_ms":
        return "fromUnixTimestamp64Milli(" + toMs + ")";
      case "timeFilter":
        return between(name, args, "toDateTime(" + fromS + ")", "toDateTime(" + toS + ")");
      case "timeFilter_ms":
        return between(
            name,
            args,
            "fromUnixTimestamp64Milli(" + fromMs + ")",
            "fromUnixTimestamp64Milli(" + toMs + ")");
      case "dateFilter":
        return between(name, args, date(r.from()), date(r.to()));
      case "dateTimeFilter":
      case "dt":
        arity(name, args, 2);
        return "("
            + args.get(0)
            + " >= "
            + date(r.from())
            + " AND "
            + args.get(0)
            + " <= "
            + date(r.to())
            + ") AND ("
            + args.get(1)
            + " >= toDateTime("
            + fromS
            + ") AND "
            + args.get(1)
            + " <= toDateTime("
            + toS
            + "))";
      case "timeInterval":
        arity(name, args, 1);
        return "toStartOfInterval(toDateTime("
            + args.get(0)
            + "), INTERVAL "
            + intervalSeconds(r)
            + " second)";
      case "timeInterval_ms":
        arity(name, args, 1);
        return "toStartOfInterval(toDateTime64("
            + args.get(0)
            + ", 3), INTERVAL "
            + Math.max(r.interval().toMillis(), 1)
            + " millisecond)";
      case "interval_s":
        return Long.toString(intervalSeconds(r));
      default:
        throw new IllegalArgumentException("unknown macro $__" + name);
    }
  }

  private static long intervalSeconds(TimeRange r) {
    return Math.max(r.interval().toSeconds(), 1);
  }

  private static String between(String name, List<String> args, String from, String to) {
    arity(name, args, 1);
    String c = args.get(0);
    return c + " >= " + from + " AND " + c + " <= " + to;
  }

  private static String date(Instant t) {
    return "toDate('" + DATE.format(t) + "')";
  }

  private static void arity(String name, List<String> args, int n) {
    if (args.size() != n) {
      throw new IllegalArgumentException(
          "$__" + name + " expects " + n + " argument(s), got " + args.size());
    }
  }

  private static int closingParen(String s, int open) {
    int depth = 0;
    for (int i = open; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')' && --depth == 0) {
        return i;
      }
    }
    throw new IllegalArgumentException("unbalanced parentheses after " + s.substring(0, open));
  }

  private static List<String> splitArgs(String s) {
    List<String> args = new ArrayList<>();
    int depth = 0;
    int start = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == ',' && depth == 0) {
        args.add(s.substring(start, i).trim());
        start = i + 1;
      }
    }
    if (!s.isBlank()) {
      args.add(s.substring(start).trim());
    }
    return args;
  }

  private static String firstNonNull(String... values) {
    for (String v : values) {
      if (v != null) {
        return v;
      }
    }
    return null;
  }
}
