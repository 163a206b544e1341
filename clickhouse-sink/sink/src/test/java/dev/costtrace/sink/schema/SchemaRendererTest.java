package dev.costtrace.sink.schema;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.costtrace.config.Config;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SchemaRendererTest {

  private static List<String> spans(SchemaOptions o) {
    return new Migrator(null, o).statements("0001_spans", true);
  }

  @Test
  void singleServer() {
    List<String> s = spans(new SchemaOptions("costtrace", "", Duration.ZERO));
    assertThat(s).hasSize(1);
    assertThat(s.get(0))
        .startsWith("CREATE TABLE IF NOT EXISTS costtrace.spans\n(")
        .contains("ENGINE = ReplacingMergeTree(attribution_version)")
        .doesNotContain("ON CLUSTER")
        .doesNotContain("TTL ")
        .doesNotContain("{");
  }

  @Test
  void clusterRendersReplicatedLocalTablesAndDistributed() {
    List<String> s = spans(new SchemaOptions("costtrace", "prod", Duration.ofDays(30)));
    assertThat(s).hasSize(2);
    assertThat(s.get(0))
        .startsWith("CREATE TABLE IF NOT EXISTS costtrace.spans_local ON CLUSTER prod")
        .contains("ENGINE = ReplicatedReplacingMergeTree(attribution_version)")
        .contains("TTL toDateTime(start_time) + INTERVAL 2592000 SECOND");
    assertThat(s.get(1))
        .isEqualTo(
            "CREATE TABLE IF NOT EXISTS costtrace.spans ON CLUSTER prod AS"
                + " costtrace.spans_local\nENGINE = Distributed(prod, costtrace, spans_local, cityHash64(trace_id))");
    List<String> mv =
        new Migrator(null, new SchemaOptions("costtrace", "prod", Duration.ZERO))
            .statements("0003_trace_costs", true);
    assertThat(mv.get(0)).contains("ENGINE = ReplicatedAggregatingMergeTree");
    assertThat(mv.get(1))
        .contains("TO costtrace.trace_costs_local AS")
        .contains("FROM costtrace.spans_local");
    assertThat(mv.get(2)).contains("ENGINE = Distributed(prod, costtrace, trace_costs_local");
    List<String> views =
        new Migrator(null, new SchemaOptions("costtrace", "prod", Duration.ZERO))
            .statements("0004_conversation_views", true);
    assertThat(views.get(0)).contains("FROM costtrace.trace_costs\n").contains("ON CLUSTER prod");
  }

  @Test
  void everyTemplateRendersWithoutLeftoverSlots() {
    for (SchemaOptions o :
        List.of(SchemaOptions.defaults(), new SchemaOptions("x", "c", Duration.ofHours(1)))) {
      for (String name : Migrator.names()) {
        for (boolean up : new boolean[] {true, false}) {
          assertThat(new Migrator(null, o).statements(name, up))
              .allSatisfy(
                  sql ->
                      assertThat(sql)
                          .doesNotContain("{db}")
                          .doesNotContain("{local}")
                          .doesNotContain("{engine")
                          .doesNotContain("{ttl")
                          .doesNotContain("{on_cluster}")
                          .doesNotContain("cluster-only"));
        }
      }
    }
  }

  @Test
  void configKeysAndBadValues() {
    SchemaOptions o =
        SchemaOptions.fromConfig(
            Config.of(
                Map.of(),
                Map.of("COSTTRACE_CLICKHOUSE_CLUSTER", "main", "COSTTRACE_CLICKHOUSE_TTL", "90d")));
    assertThat(o.cluster()).isEqualTo("main");
    assertThat(o.ttl()).isEqualTo(Duration.ofDays(90));
    assertThat(o.database()).isEqualTo("costtrace");
    assertThatThrownBy(
            () ->
                SchemaOptions.fromConfig(Config.of(Map.of("costtrace.clickhouse.database", "a-b"))))
        .hasMessage(
            "Invalid value 'a-b' for costtrace.clickhouse.database (COSTTRACE_CLICKHOUSE_DATABASE):"
                + " expected an identifier");
  }
}
