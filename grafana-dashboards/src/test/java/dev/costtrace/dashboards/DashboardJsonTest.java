package dev.costtrace.dashboards;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The dashboard JSON is what the pinned Grafana (12.x, dashboard schema version 41) provisions:
 * every data source reference resolves to the provisioned ClickHouse data source, every variable a
 * query or link uses is defined, and every link points at a dashboard that exists.
 */
class DashboardJsonTest {
  /** The dashboard schema version Grafana 12 writes; older files would be migrated on load. */
  static final int SCHEMA_VERSION = 41;

  static final String PLUGIN = "grafana-clickhouse-datasource";
  static final Set<String> PANEL_TYPES =
      Set.of("stat", "timeseries", "table", "piechart", "barchart", "row");
  static final Pattern VARIABLE = Pattern.compile("\\$\\{(\\w+)[^}]*}|\\$(\\w+)|\\[\\[(\\w+)");
  static final Pattern DASHBOARD_LINK = Pattern.compile("^/d/([\\w-]+)(?:/[\\w-]*)?\\?(.*)$");
  static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  final List<Dashboard> dashboards = Dashboard.loadAll(Path.of("dashboards"));

  static JsonNode provisionedDataSource() throws IOException {
    JsonNode ds = YAML.readTree(Path.of("provisioning/datasources/clickhouse.yaml").toFile());
    assertThat(ds.path("apiVersion").asInt()).isEqualTo(1);
    assertThat(ds.path("datasources")).hasSize(1);
    return ds.path("datasources").get(0);
  }

  @Test
  void fiveDashboardsWithUniqueUidsAndTheSchemaOfThePinnedGrafana() {
    assertThat(dashboards)
        .extracting(Dashboard::uid)
        .containsExactlyInAnyOrder(
            "costtrace-overview",
            "costtrace-conversations",
            "costtrace-conversation",
            "costtrace-features-tenants",
            "costtrace-weekly-review");
    for (Dashboard d : dashboards) {
      assertThat(d.json().path("schemaVersion").asInt()).as(d.uid()).isEqualTo(SCHEMA_VERSION);
      assertThat(d.title()).isNotBlank();
      assertThat(d.json().path("tags")).extracting(JsonNode::asText).contains("costtrace");
      assertThat(d.uid().length())
          .as("Grafana uids are at most 40 characters")
          .isLessThanOrEqualTo(40);
    }
  }

  @Test
  void everyDataSourceIsTheProvisionedClickHouse() throws IOException {
    JsonNode ds = provisionedDataSource();
    assertThat(ds.path("type").asText()).isEqualTo(PLUGIN);
    String uid = ds.path("uid").asText();
    for (Dashboard d : dashboards) {
      for (JsonNode p : d.panels()) {
        if (p.path("type").asText().equals("row")) {
          continue;
        }
        assertThat(p.path("datasource").path("uid").asText())
            .as("%s / %s", d.uid(), p.path("title"))
            .isEqualTo(uid);
        assertThat(p.path("datasource").path("type").asText()).isEqualTo(PLUGIN);
        for (JsonNode t : p.path("targets")) {
          assertThat(t.path("datasource").path("uid").asText()).isEqualTo(uid);
          assertThat(t.path("editorType").asText()).isEqualTo("sql");
          assertThat(t.path("rawSql").asText()).isNotBlank();
          // format 0 = time series, 1 = table (the plugin's Format enum); queryType agrees.
          int format = t.path("format").asInt(-1);
          assertThat(format).isIn(0, 1);
          assertThat(t.path("queryType").asText()).isEqualTo(format == 0 ? "timeseries" : "table");
          if (format == 0) {
            assertThat(t.path("rawSql").asText())
                .as("a time series needs a time column")
                .contains("AS time");
          }
        }
      }
      for (JsonNode v : d.variables()) {
        if (v.path("type").asText().equals("query")) {
          assertThat(v.path("datasource").path("uid").asText()).isEqualTo(uid);
        }
      }
    }
  }

  @Test
  void panelsAreLaidOutOnTheGridWithUniqueIds() {
    for (Dashboard d : dashboards) {
      Set<Integer> ids = new HashSet<>();
      for (JsonNode p : d.panels()) {
        assertThat(ids.add(p.path("id").asInt()))
            .as("panel id %s in %s", p.path("id"), d.uid())
            .isTrue();
        assertThat(PANEL_TYPES).contains(p.path("type").asText());
        JsonNode g = p.path("gridPos");
        assertThat(g.path("w").asInt()).isPositive();
        assertThat(g.path("h").asInt()).isPositive();
        assertThat(g.path("x").asInt() + g.path("w").asInt()).isLessThanOrEqualTo(24);
      }
    }
  }

  @Test
  void everyVariableUsedIsDefined() {
    for (Dashboard d : dashboards) {
      Set<String> defined =
          d.variables().stream().map(v -> v.path("name").asText()).collect(Collectors.toSet());
      List<String> texts = new ArrayList<>();
      d.panels().forEach(p -> p.path("targets").forEach(t -> texts.add(t.path("rawSql").asText())));
      d.variables().forEach(v -> texts.add(v.path("query").asText()));
      for (String text : texts) {
        for (String used : used(text)) {
          assertThat(defined).as("variables of %s used in: %s", d.uid(), text).contains(used);
        }
      }
      for (JsonNode v : d.variables()) {
        if (v.path("multi").asBoolean() && v.path("includeAll").asBoolean()) {
          // Filters compare the decoded value against the custom all value, inserted unformatted.
          assertThat(v.path("allValue").asText()).isEqualTo("__all__");
        }
      }
      for (String text : texts) {
        // Values that come from data (IDs, names) reach SQL only percent-encoded inside a string
        // literal and decoded by ClickHouse: no quoting to break (singlequote leaves a backslash
        // that ClickHouse reads as an escape; sqlstring too).
        Matcher m = VARIABLE.matcher(text);
        while (m.find()) {
          String name =
              m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
          if (name.startsWith("__") || name.equals("db")) {
            continue;
          }
          assertThat(text.substring(Math.max(0, m.start() - 20), m.start()) + m.group())
              .as("%s in %s", m.group(), d.uid())
              .endsWith("decodeURLComponent('${" + name + ":percentencode}");
        }
      }
    }
  }

  /** Variables a text refers to, leaving out Grafana's and the plugin's own ({@code $__...}). */
  static Set<String> used(String text) {
    Set<String> out = new HashSet<>();
    Matcher m = VARIABLE.matcher(text);
    while (m.find()) {
      String name = m.group(1) != null ? m.group(1) : m.group(2) != null ? m.group(2) : m.group(3);
      if (!name.startsWith("__")) {
        out.add(name);
      }
    }
    return out;
  }

  @Test
  void linksPointAtDashboardsThatExistAndVariablesTheyDefine() {
    Map<String, Dashboard> byUid =
        dashboards.stream().collect(Collectors.toMap(Dashboard::uid, d -> d));
    int dataLinks = 0;
    for (Dashboard d : dashboards) {
      for (JsonNode link : d.json().path("links")) {
        assertThat(link.path("type").asText()).isEqualTo("dashboards");
        for (JsonNode tag : link.path("tags")) {
          assertThat(dashboards)
              .as("dashboards tagged %s", tag)
              .anySatisfy(
                  x ->
                      assertThat(x.json().path("tags"))
                          .extracting(JsonNode::asText)
                          .contains(tag.asText()));
        }
      }
      for (JsonNode p : d.panels()) {
        for (JsonNode override : p.path("fieldConfig").path("overrides")) {
          for (JsonNode property : override.path("properties")) {
            if (!property.path("id").asText().equals("links")) {
              continue;
            }
            for (JsonNode link : property.path("value")) {
              Matcher m = DASHBOARD_LINK.matcher(link.path("url").asText());
              assertThat(m.matches()).as("link %s", link.path("url")).isTrue();
              Dashboard target = byUid.get(m.group(1));
              assertThat(target).as("dashboard %s linked from %s", m.group(1), d.uid()).isNotNull();
              Set<String> targetVars =
                  target.variables().stream()
                      .map(v -> v.path("name").asText())
                      .collect(Collectors.toSet());
              for (String param : m.group(2).split("&")) {
                if (param.startsWith("var-")) {
                  assertThat(targetVars).contains(param.substring(4, param.indexOf('=')));
                  if (param.contains("${__value")) {
                    // an ID with & or # must not end the parameter or set another variable
                    assertThat(param).endsWith(":percentencode}");
                  }
                }
              }
              dataLinks++;
            }
          }
        }
      }
    }
    assertThat(dataLinks).as("the top-N table links to the detail view").isPositive();
  }

  @Test
  void theProvisionedDataSourceReadsTheReceiversDatabase() throws IOException {
    JsonNode ds = provisionedDataSource();
    assertThat(ds.path("jsonData").path("defaultDatabase").asText())
        .isEqualTo(dev.costtrace.sink.schema.SchemaOptions.DEFAULT_DATABASE);
    for (Dashboard d : dashboards) {
      JsonNode db =
          d.variables().stream()
              .filter(v -> v.path("name").asText().equals("db"))
              .findFirst()
              .orElseThrow();
      assertThat(db.path("type").asText()).isEqualTo("constant");
      assertThat(db.path("query").asText())
          .isEqualTo(dev.costtrace.sink.schema.SchemaOptions.DEFAULT_DATABASE);
    }
    JsonNode provider =
        YAML.readTree(Path.of("provisioning/dashboards/costtrace.yaml").toFile())
            .path("providers")
            .get(0);
    assertThat(provider.path("type").asText()).isEqualTo("file");
    assertThat(provider.path("options").path("path").asText())
        .isEqualTo("/var/lib/grafana/dashboards/costtrace");
  }
}
