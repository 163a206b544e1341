package dev.costtrace.sink.buffer;

import static dev.costtrace.sink.SpanColumns.*;
import static org.assertj.core.api.Assertions.assertThat;

import dev.costtrace.sink.SpanAttribution;
import dev.costtrace.sink.SpanColumns;
import dev.costtrace.sink.SpanCostRow;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RowCodecTest {
  /** These rows as format 1 wrote them (the encoder before the span columns had one definition). */
  private static final String FORMER_ENCODING =
      "AQAAAAMAAAAgMGFmNzY1MTkxNmNkNDNkZDg0NDhlYjIxMWM4MDMxOTAAAAAQYjdhZDZiNzE2OTIwMzMzMAAAAAAYhnJR7foA"
          + "ABiGclJHYi8AAAAADWRlbW8tY2hhdC1hcHAAAAAJY29udi3DqS0wAAAABGFjbWUAAAAGdXNlci0wAAAADHN1cHBvcnQtY2hh"
          + "dAAAAAAAAAAGb3BlbmFpAAAAC2dwdC00by1taW5pAAAAFmdwdC00by1taW5pLTIwMjQtMDctMTgAAAAEY2hhdAAAAAAAAAAC"
          + "T0sAAAAAAAAAAAAABLAAAAAAAAABLAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+gAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
          + "AAYAAAACALQAAAAHAAAAAgDhAAAAAAAAAAEAAAAABQAAAAEPAAAAAAAAAAEAAAAAAAAAAAEAAAAAAAAAAAEAAAAAAAAAAAEA"
          + "AAAABwAAAAINxQAAAAAGUFJJQ0VEAAAAKXByaWNlZCB3aXRoIG9wZW5haS9ncHQtNG8tbWluaSAoc3RhbmRhcmQpAAAADDIw"
          + "MjUtMTAtMDEreAAAABJvcGVuYWkvZ3B0LTRvLW1pbmn//////////wAAAAAAAAABAAAAIDBhZjc2NTE5MTZjZDQzZGQ4NDQ4"
          + "ZWIyMTFjODAzMTkxAAAAEGI3YWQ2YjcxNjkyMDMzMzEAAAAQMDBmMDY3YWEwYmE5MDJiNxiGclHt+gABGIZyUkdiLwAAAAAN"
          + "ZGVtby1jaGF0LWFwcAAAAAljb252LcOpLTEAAAAEYWNtZQAAAAZ1c2VyLTEAAAAMc3VwcG9ydC1jaGF0AAAAAAAAAAZvcGVu"
          + "YWkAAAALZ3B0LTRvLW1pbmkAAAAWZ3B0LTRvLW1pbmktMjAyNC0wNy0xOAAAAARjaGF0AAAAAAAAAAJPSwAAAAd0aW1lb3V0"
          + "AAAAAAAABLEAAAAAAAABLAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+gAAAAAAAAABAAAAAAAAAAAAAAAAAAAAAAAAAAYAAAAC"
          + "ALQAAAAHAAAAAgDhAAAAAAAAAAEAAAAABQAAAAEPAAAAAAAAAAEAAAAAAAAAAAEAAAAAAAAAAAEAAAAAAAAAAAEAAAAABwAA"
          + "AAINxQEAAAAMAAAADgCb0wo8ZFlD3RaQoDoUAAAABlBSSUNFRAAAAClwcmljZWQgd2l0aCBvcGVuYWkvZ3B0LTRvLW1pbmkg"
          + "KHN0YW5kYXJkKQAAAAwyMDI1LTEwLTAxK3gAAAASb3BlbmFpL2dwdC00by1taW5pAAAAABTck4AAAAAAAAAAAQAAACAwYWY3"
          + "NjUxOTE2Y2Q0M2RkODQ0OGViMjExYzgwMzE5MgAAABBiN2FkNmI3MTY5MjAzMzMyAAAAEDAwZjA2N2FhMGJhOTAyYjcYhnJR"
          + "7foAAhiGclJHYi8AAAAADWRlbW8tY2hhdC1hcHAAAAAJY29udi3DqS0yAAAABGFjbWUAAAAGdXNlci0yAAAADHN1cHBvcnQt"
          + "Y2hhdAAAAAEAAAABawAAAAF2AAAABm9wZW5haQAAAAtncHQtNG8tbWluaQAAABZncHQtNG8tbWluaS0yMDI0LTA3LTE4AAAA"
          + "BGNoYXQAAAAAAAAAAk9LAAAAAAAAAAAAAASyAAAAAAAAASwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAPoAAAAAAAAAAgAAAAAA"
          + "AAAAAAAAAAAAAAAAAAAGAAAAAgC0AAAABwAAAAIA4QAAAAAAAAABAAAAAAUAAAABDwAAAAAAAAABAAAAAAAAAAABAAAAAAAA"
          + "AAABAAAAAAAAAAABAAAAAAcAAAACDcUAAAAABlBSSUNFRAAAAClwcmljZWQgd2l0aCBvcGVuYWkvZ3B0LTRvLW1pbmkgKHN0"
          + "YW5kYXJkKQAAAAwyMDI1LTEwLTAxK3gAAAASb3BlbmFpL2dwdC00by1taW5pAAAAABTck4AAAAAAAAAAAQAAAAEAAAAgMGFm"
          + "NzY1MTkxNmNkNDNkZDg0NDhlYjIxMWM4MDMxOTAAAAAGY29udi0xAAAABGFjbWUAAAABdQAAAAFmAAAAABiGclH1TtTAAAAA"
          + "AAAAAAI=";

  /**
   * Format 1 carried whole-trace attributions: they decode as observations of the trace without a
   * span.
   */
  private static final List<SpanAttribution> FORMAT_1_ATTRIBUTIONS =
      List.of(
          new SpanAttribution(
              "",
              "0af7651916cd43dd8448eb211c803190",
              "",
              1_767_225_600_123_000_000L,
              "conv-1",
              "acme",
              "u",
              "f",
              Map.of(),
              1_767_225_600_123_000_000L));

  private static final List<SpanAttribution> ATTRIBUTIONS =
      List.of(
          new SpanAttribution(
              "tenant-a",
              "0af7651916cd43dd8448eb211c803190",
              "00f067aa0ba902b7",
              1_767_225_599_000_000_000L,
              "conv-1",
              "acme",
              "u",
              "f",
              Map.of("team", "x"),
              1_767_225_600_123_000_000L));

  /**
   * A buffer written by a receiver before the upgrade is replayed after it: format 1 still decodes.
   */
  @Test
  void decodesFormat1AsWrittenBefore() throws Exception {
    RowCodec.Entry e = RowCodec.decode(Base64.getDecoder().decode(FORMER_ENCODING));
    assertThat(e.spans()).hasSize(3);
    assertThat(e.spans()).isEqualTo(rows());
    assertThat(e.spans().get(1).get(SpanColumns.PROVIDED_COST))
        .isEqualByComparingTo("12345678901234567890.123456789012");
    assertThat(e.spans().get(2).get(SpanColumns.TAGS)).containsEntry("k", "v");
    assertThat(e.spans().get(0).get(SpanColumns.CONVERSATION_ID)).isEqualTo("conv-é-0");
    assertThat(e.attributions()).isEqualTo(FORMAT_1_ATTRIBUTIONS);
  }

  @Test
  void roundTripsEveryColumn() throws Exception {
    List<SpanCostRow> rows =
        rows().stream()
            .map(
                r ->
                    r.toBuilder()
                        .set(SpanColumns.AUTH_TENANT, "tenant-a")
                        .set(SpanColumns.ROW_VERSION, 7L)
                        .build())
            .toList();
    RowCodec.Entry e = RowCodec.decode(RowCodec.encode(rows, ATTRIBUTIONS));
    assertThat(e.spans()).isEqualTo(rows);
    assertThat(e.attributions()).isEqualTo(ATTRIBUTIONS);
  }

  /**
   * A record names its columns: one written with a column this version does not know skips it, and
   * a column the record lacks (added since) gets its default.
   */
  @Test
  void aColumnUnknownIsSkippedAndAColumnMissingGetsItsDefault() throws Exception {
    byte[] record = RowCodec.encode(rows(), ATTRIBUTIONS);
    String text = new String(record, StandardCharsets.ISO_8859_1);
    int at = text.indexOf("error_type");
    assertThat(at).isPositive();
    record[at + "error_type".length() - 1] = 'X'; // "error_typX": a column of another version
    RowCodec.Entry e = RowCodec.decode(record);
    assertThat(e.spans().get(1).get(SpanColumns.ERROR_TYPE)).isEmpty();
    assertThat(e.spans().get(1).get(SpanColumns.TOTAL_COST)).isEqualByComparingTo("0.0003525");
    assertThat(e.spans().get(1).get(SpanColumns.PRICING_STATUS)).isEqualTo("PRICED");
  }

  @Test
  void anEmptyCallRoundTrips() throws Exception {
    RowCodec.Entry e = RowCodec.decode(RowCodec.encode(List.of(), List.of()));
    assertThat(e.spans()).isEmpty();
    assertThat(e.attributions()).isEmpty();
  }

  /** The rows of {@link #FORMER_ENCODING}. */
  private static List<SpanCostRow> rows() {
    List<SpanCostRow> out = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      SpanCostRow.Builder b =
          SpanCostRow.builder()
              .traceId("0af7651916cd43dd8448eb211c80319" + i)
              .spanId("b7ad6b716920333" + i)
              .set(PARENT_SPAN_ID, i == 0 ? "" : "00f067aa0ba902b7")
              .set(START_TIME, 1_767_225_600_000_000_000L + i)
              .set(END_TIME, 1_767_225_601_500_000_000L)
              .set(SERVICE_NAME, "demo-chat-app")
              .set(CONVERSATION_ID, "conv-é-" + i)
              .set(TENANT_ID, "acme")
              .set(USER_ID, "user-" + i)
              .set(FEATURE, "support-chat")
              .set(TAGS, i == 2 ? Map.of("k", "v") : Map.of())
              .set(PROVIDER, "openai")
              .set(REQUEST_MODEL, "gpt-4o-mini")
              .set(RESPONSE_MODEL, "gpt-4o-mini-2024-07-18")
              .set(OPERATION, "chat")
              .set(SPAN_STATUS, "OK")
              .set(ERROR_TYPE, i == 1 ? "timeout" : "")
              .set(INPUT_TOKENS, 1200L + i)
              .set(CACHE_READ_TOKENS, 300L)
              .set(OUTPUT_TOKENS, 250L)
              .set(REASONING_TOKENS, (long) i)
              .set(INPUT_COST, new BigDecimal("0.000180"))
              .set(CACHE_READ_COST, new BigDecimal("0.0000225"))
              .set(OUTPUT_COST, new BigDecimal("0.00015"))
              .set(TOTAL_COST, new BigDecimal("0.0003525"))
              .set(PRICING_STATUS, "PRICED")
              .set(PRICING_REASON, "priced with openai/gpt-4o-mini (standard)")
              .set(CATALOG_VERSION, "2025-10-01+x")
              .set(PRICE_ENTRY, "openai/gpt-4o-mini")
              .set(TIME_TO_FIRST_TOKEN_NS, i == 0 ? -1L : 350_000_000L);
      if (i == 1) {
        b.set(PROVIDED_COST, new BigDecimal("12345678901234567890.123456789012"));
      }
      out.add(b.build());
    }
    return out;
  }
}
