package dev.costtrace.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.data_formats.RowBinaryFormatWriter;
import com.clickhouse.client.api.metadata.TableSchema;
import com.clickhouse.data.ClickHouseFormat;
import dev.costtrace.sink.buffer.GrowableBytes;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.schema.Migrator;
import dev.costtrace.sink.schema.SchemaOptions;
import dev.costtrace.testing.TestClickHouse;
import java.io.ByteArrayOutputStream;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The direct encoder against client-v2's own RowBinary row writer, on the tables as the real engine
 * describes them after the migrations: byte for byte, over random rows with every column varied.
 */
class SpanRowBinaryTest {
  private static TableSchema spans;
  private static TableSchema attributions;

  @BeforeAll
  static void schema() {
    ClickHouseEndpoint e = TestClickHouse.shared();
    String db = TestClickHouse.newDatabase("rowbinary");
    try (Client c = e.newClient("default")) {
      new Migrator(c, new SchemaOptions(db, "", Duration.ZERO)).up();
      spans = c.getTableSchema("span_rows", db);
      attributions = c.getTableSchema("span_attributions", db);
    }
  }

  private static final String[] TEXT = {
    "", "gpt-4o", "claude-sonnet-4-5", "ünïcödé ✓ 漢字", "x".repeat(300)
  };

  private static String text(Random r) {
    return TEXT[r.nextInt(TEXT.length)];
  }

  private static String hex(Random r, int bytes) {
    byte[] b = new byte[bytes];
    r.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /**
   * Amounts of every shape: zero, tiny, 12 and more fractional digits (rounded), large, negative.
   */
  private static BigDecimal amount(Random r) {
    switch (r.nextInt(7)) {
      case 0:
        return BigDecimal.ZERO;
      case 1:
        return new BigDecimal(r.nextInt(1_000_000)).movePointLeft(12);
      case 2:
        return new BigDecimal(r.nextLong())
            .abs()
            .movePointLeft(r.nextInt(20)); // > 12 digits: rounded
      case 3:
        return new BigDecimal("99999999999999999999999999.999999999999"); // 38 digits, the maximum
      case 4:
        return new BigDecimal(r.nextInt(1_000_000)).movePointLeft(6).negate();
      case 5:
        return new BigDecimal("0.0000000000005"); // half: rounds to even
      default:
        return new BigDecimal(r.nextInt(100_000)).movePointLeft(4);
    }
  }

  /** A row with every column varied, set column by column from {@link SpanColumns}. */
  @SuppressWarnings("unchecked")
  private static SpanCostRow row(Random r) {
    long start = 1_767_225_600_000_000_000L + r.nextLong() % 1_000_000_000_000_000L;
    SpanCostRow.Builder b = SpanCostRow.builder();
    for (SpanColumns.Column<?> c : SpanColumns.all()) {
      if (c.derived()) {
        continue;
      }
      Object v =
          switch (c.kind()) {
            case STRING -> text(r);
            case INTEGER -> (long) r.nextInt(200_000);
            case TIME -> start + r.nextInt(1_000_000_000);
            case MONEY -> amount(r);
            case OPTIONAL_MONEY -> r.nextBoolean() ? null : amount(r);
            case TAGS -> r.nextBoolean() ? Map.of() : Map.of("team", text(r), "env", "prod");
          };
      b.set((SpanColumns.Column<Object>) c, v);
    }
    return b.set(SpanColumns.TRACE_ID, hex(r, 16))
        .set(SpanColumns.SPAN_ID, hex(r, 8))
        .set(SpanColumns.START_TIME, start)
        .set(SpanColumns.AUDIO_OUTPUT_TOKENS, Long.MAX_VALUE / (1 + r.nextInt(1000)))
        .set(SpanColumns.TIME_TO_FIRST_TOKEN_NS, r.nextInt(5) == 0 ? -1L : r.nextInt(1_000_000_000))
        .build();
  }

  /** Client-v2's row writer, every column set by name, as the sink wrote its rows before. */
  private static void reference(RowBinaryFormatWriter w, SpanCostRow r) {
    for (SpanColumns.Column<?> c : SpanColumns.all()) {
      Object v = r.get(c);
      switch (c.kind()) {
        case STRING -> w.setString(c.name(), (String) v);
        case INTEGER -> w.setLong(c.name(), (Long) v);
        case TIME -> w.setValue(c.name(), SpanRowBinary.instant((Long) v));
        case MONEY -> w.setBigDecimal(c.name(), SpanRowBinary.money((BigDecimal) v));
        case OPTIONAL_MONEY ->
            w.setValue(c.name(), v == null ? null : SpanRowBinary.money((BigDecimal) v));
        case TAGS -> w.setValue(c.name(), v);
      }
    }
  }

  @Test
  void spanRowsAreTheBytesOfClientV2sRowWriter() throws Exception {
    Random r = new Random(42);
    SpanRowBinary<SpanCostRow> encoder = SpanRowBinary.spans(spans);
    GrowableBytes direct = new GrowableBytes(1024);
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    RowBinaryFormatWriter w =
        new RowBinaryFormatWriter(expected, spans, ClickHouseFormat.RowBinary);
    for (int i = 0; i < 5_000; i++) {
      SpanCostRow row = row(r);
      encoder.append(direct, row);
      reference(w, row);
      w.commitRow();
      assertThat(direct.toByteArray()).as("row %d: %s", i, row).isEqualTo(expected.toByteArray());
    }
  }

  @Test
  void attributionRowsAreTheBytesOfClientV2sRowWriter() throws Exception {
    Random r = new Random(7);
    SpanRowBinary<SpanAttribution> encoder = SpanRowBinary.attributions(attributions);
    GrowableBytes direct = new GrowableBytes(16);
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    RowBinaryFormatWriter w =
        new RowBinaryFormatWriter(expected, attributions, ClickHouseFormat.RowBinary);
    for (int i = 0; i < 1_000; i++) {
      SpanAttribution a =
          new SpanAttribution(
              text(r),
              hex(r, 16),
              hex(r, 8),
              r.nextLong() >>> 2,
              text(r),
              text(r),
              text(r),
              text(r),
              r.nextBoolean() ? Map.of() : Map.of("team", text(r)),
              r.nextLong() >>> 2);
      encoder.append(direct, a);
      w.setString("auth_tenant", a.authTenant());
      w.setString("trace_id", a.traceId());
      w.setString("span_id", a.spanId());
      w.setValue("start_time", SpanRowBinary.instant(a.startEpochNanos()));
      w.setString("conversation_id", a.conversationId());
      w.setString("tenant_id", a.tenantId());
      w.setString("user_id", a.userId());
      w.setString("feature", a.feature());
      w.setValue("tags", a.tags());
      w.setValue("observed_at", SpanRowBinary.instant(a.observedAtEpochNanos()));
      w.commitRow();
    }
    assertThat(direct.toByteArray()).isEqualTo(expected.toByteArray());
  }

  @Test
  void anAmountBeyondDecimal38Scale12FailsAndLeavesNoByte() {
    SpanRowBinary<SpanCostRow> encoder = SpanRowBinary.spans(spans);
    GrowableBytes out = new GrowableBytes(16);
    SpanCostRow ok = row(new Random(1));
    encoder.append(out, ok);
    byte[] before = out.toByteArray();
    SpanCostRow huge =
        ok.toBuilder()
            .set(SpanColumns.TOOL_COST, new BigDecimal("1e27"))
            .build(); // 28 integer digits
    assertThatThrownBy(() -> encoder.append(out, huge))
        .isInstanceOf(ArithmeticException.class)
        .hasMessageContaining("exceeds Decimal(38, 12)");
    assertThat(out.toByteArray()).isEqualTo(before);
  }

  @Test
  void aSchemaWithoutAColumnTheRowsCarryIsRefused() {
    TableSchema missing =
        new TableSchema(
            "spans",
            "",
            "db",
            spans.getColumns().stream()
                .filter(c -> !c.getColumnName().equals("total_cost"))
                .toList());
    assertThatThrownBy(() -> SpanRowBinary.spans(missing)).hasMessageContaining("total_cost");
  }
}
