package dev.costtrace.dashboards;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.costtrace.dashboards.GrafanaSql.TimeRange;
import dev.costtrace.dashboards.GrafanaSql.Variable;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Expansion as the grafana-clickhouse-datasource backend and Grafana's template service do it. */
class GrafanaSqlTest {
  private static final TimeRange RANGE =
      new TimeRange(
          Instant.ofEpochMilli(1_415_792_726_123L),
          Instant.ofEpochMilli(1_447_328_726_456L),
          Duration.ofSeconds(20));

  @Test
  void timeMacrosMatchThePlugin() {
    assertThat(GrafanaSql.expandMacros("WHERE $__timeFilter(start_time)", RANGE))
        .isEqualTo(
            "WHERE start_time >= toDateTime(1415792726) AND start_time <= toDateTime(1447328726)");
    assertThat(GrafanaSql.expandMacros("$__timeFilter_ms(t)", RANGE))
        .isEqualTo(
            "t >= fromUnixTimestamp64Milli(1415792726123) AND t <= fromUnixTimestamp64Milli(1447328726456)");
    assertThat(GrafanaSql.expandMacros("$__fromTime AND $__toTime", RANGE))
        .isEqualTo("toDateTime(1415792726) AND toDateTime(1447328726)");
    assertThat(GrafanaSql.expandMacros("$__dateFilter(d)", RANGE))
        .isEqualTo("d >= toDate('2014-11-12') AND d <= toDate('2015-11-12')");
    assertThat(GrafanaSql.expandMacros("$__dt(d, t)", RANGE))
        .isEqualTo(
            "(d >= toDate('2014-11-12') AND d <= toDate('2015-11-12')) AND (t >= toDateTime(1415792726) AND t <= toDateTime(1447328726))");
  }

  @Test
  void intervalMacrosUseThePanelInterval() {
    assertThat(
            GrafanaSql.expandMacros(
                "SELECT $__timeInterval(toStartOfHour(ts)) AS time, $__interval_s", RANGE))
        .isEqualTo(
            "SELECT toStartOfInterval(toDateTime(toStartOfHour(ts)), INTERVAL 20 second) AS time, 20");
    assertThat(GrafanaSql.expandMacros("$__timeInterval_ms(ts)", RANGE))
        .isEqualTo("toStartOfInterval(toDateTime64(ts, 3), INTERVAL 20000 millisecond)");
    TimeRange subSecond = new TimeRange(RANGE.from(), RANGE.to(), Duration.ofMillis(200));
    assertThat(GrafanaSql.expandMacros("$__interval_s", subSecond)).isEqualTo("1");
  }

  @Test
  void variablesFollowGrafanaFormats() {
    Map<String, Variable> vars =
        Map.of(
            "db", Variable.of("db", "costtrace"),
            "tenant", Variable.of("tenant", "acme", "o'neil"),
            "model", Variable.all("model", "'__all__'", List.of("a", "b")),
            "feature", Variable.all("feature", null, List.of("x", "y")));
    assertThat(
            GrafanaSql.interpolate(
                "FROM ${db}.spans WHERE t IN (${tenant:singlequote}) AND m IN (${model:singlequote})"
                    + " AND f IN (${feature:singlequote}) AND $db = [[db]] AND ${tenant:sqlstring} AND ${tenant:csv} AND $tenant",
                vars,
                RANGE))
        .isEqualTo(
            "FROM costtrace.spans WHERE t IN ('acme','o\\'neil') AND m IN ('__all__')"
                + " AND f IN ('x','y') AND costtrace = costtrace AND 'acme','o''neil' AND acme,o'neil AND {acme,o'neil}");
    // sqlstring as Grafana has it: quotes doubled, double quotes backslashed, backslashes left as
    // they are (which ClickHouse reads as escapes: not safe for untrusted values).
    assertThat(
            GrafanaSql.interpolate(
                "${t:sqlstring}", Map.of("t", Variable.of("t", "a\\'\"b")), RANGE))
        .isEqualTo("'a\\''\\\"b'");
  }

  /** Grafana's percentencode: only unreserved characters and %XX are left, arrays as {a,b}. */
  @Test
  void percentEncodingLeavesNothingSqlCouldReadAsSyntax() {
    Map<String, Variable> vars =
        Map.of(
            "conversation", Variable.of("conversation", "c'1\\' OR 1=1 -- é/*"),
            "tenant", Variable.multi("tenant", "acme"),
            "model", Variable.of("model", "a,b", "c'd"));
    assertThat(
            GrafanaSql.interpolate(
                "${conversation:percentencode}|${tenant:percentencode}|${model:percentencode}",
                vars,
                RANGE))
        .isEqualTo("c%271%5C%27%20OR%201%3D1%20--%20%C3%A9%2F%2A|%7Bacme%7D|%7Ba%2Cb%2Cc%27d%7D");
  }

  @Test
  void macrosSurviveInterpolationAndGlobalsAreReplaced() {
    assertThat(
            GrafanaSql.render(
                "$__timeFilter(t) AND x > $__from AND y < $__to AND $__interval", Map.of(), RANGE))
        .isEqualTo(
            "t >= toDateTime(1415792726) AND t <= toDateTime(1447328726) AND x > 1415792726123"
                + " AND y < 1447328726456 AND 20s");
  }

  @Test
  void mistakesFailInsteadOfReachingClickHouse() {
    assertThatThrownBy(() -> GrafanaSql.render("SELECT $tenant", Map.of(), RANGE))
        .hasMessageContaining("undefined variable $tenant");
    assertThatThrownBy(() -> GrafanaSql.render("SELECT $__timeFiltr(t)", Map.of(), RANGE))
        .hasMessage("unknown macro $__timeFiltr");
    assertThatThrownBy(() -> GrafanaSql.render("$__timeFilter(a, b)", Map.of(), RANGE))
        .hasMessage("$__timeFilter expects 1 argument(s), got 2");
    assertThatThrownBy(() -> GrafanaSql.render("$__timeFilter(a", Map.of(), RANGE))
        .hasMessageContaining("unbalanced parentheses");
    assertThatThrownBy(
            () -> GrafanaSql.render("${db:percent}", Map.of("db", Variable.of("db", "x")), RANGE))
        .hasMessageContaining("unsupported variable format :percent");
  }
}
