package dev.costtrace.sink;

import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import dev.costtrace.sink.schema.Migrator;
import dev.costtrace.sink.schema.SchemaOptions;
import dev.costtrace.testing.TestClickHouse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The one definition of the span columns against the table the migrations create: every column of
 * {@code span_rows}, with its type, is one of {@link SpanColumns} and the other way round, in the
 * same order. A column added to one and not the other fails here.
 */
class SpanColumnsTest {

  @Test
  void spanColumnsAreTheColumnsOfTheMigratedTable() {
    String db = TestClickHouse.newDatabase("columns");
    Map<String, String> table = new LinkedHashMap<>();
    try (Client c = TestClickHouse.shared().newClient("default")) {
      new Migrator(c, new SchemaOptions(db, "", Duration.ZERO)).up();
      for (GenericRecord r :
          c.queryAll(
              "SELECT name, type FROM system.columns WHERE database = '"
                  + db
                  + "' AND table = 'span_rows' ORDER BY position")) {
        table.put(r.getString("name"), r.getString("type"));
      }
    }
    Map<String, String> defined = new LinkedHashMap<>();
    for (SpanColumns.Column<?> c : SpanColumns.all()) {
      defined.put(c.name(), c.type());
    }
    assertThat(table).containsExactlyEntriesOf(defined);
  }

  @Test
  void aRowHasEveryColumnsDefaultUntilSet() {
    SpanCostRow r = SpanCostRow.builder().traceId("0".repeat(32)).spanId("1".repeat(16)).build();
    for (SpanColumns.Column<?> c : SpanColumns.all()) {
      if (!c.derived() && c != SpanColumns.TRACE_ID && c != SpanColumns.SPAN_ID) {
        assertThat((Object) r.get(c)).as(c.name()).isEqualTo(c.defaultValue());
      }
    }
    assertThat(r.get(SpanColumns.TIME_TO_FIRST_TOKEN_NS)).isEqualTo(-1L);
    assertThat(r.get(SpanColumns.SPAN_STATUS)).isEqualTo("UNSET");
    assertThat(r.get(SpanColumns.PROVIDED_COST)).isNull();
  }

  @Test
  void theDurationIsDerived() {
    SpanCostRow r =
        SpanCostRow.builder()
            .traceId("0".repeat(32))
            .spanId("1".repeat(16))
            .set(SpanColumns.START_TIME, 1_000L)
            .set(SpanColumns.END_TIME, 1_750L)
            .build();
    assertThat(r.get(SpanColumns.DURATION_NS)).isEqualTo(750L);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> SpanCostRow.builder().set(SpanColumns.DURATION_NS, 1L))
        .hasMessage("duration_ns is derived from other columns");
  }
}
