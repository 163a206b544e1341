package dev.costtrace.sink.buffer;

import static org.assertj.core.api.Assertions.assertThat;

import dev.costtrace.sink.SpanCostRow;
import dev.costtrace.sink.TraceAttribution;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RowCodecTest {
  /** These rows as the former encoder (over the JDK's locking byte-array streams) wrote them. */
  private static final String FORMER_ENCODING =
      "AQAAAAMAAAAgMGFmNzY1MTkxNmNkNDNkZDg0NDhlYjIxMWM4MDMxOTAAAAAQYjdhZDZiNzE2OTIwMzMzMAAAAAAYhnJR7foA" +
      "ABiGclJHYi8AAAAADWRlbW8tY2hhdC1hcHAAAAAJY29udi3DqS0wAAAABGFjbWUAAAAGdXNlci0wAAAADHN1cHBvcnQtY2hh" +
      "dAAAAAAAAAAGb3BlbmFpAAAAC2dwdC00by1taW5pAAAAFmdwdC00by1taW5pLTIwMjQtMDctMTgAAAAEY2hhdAAAAAAAAAAC" +
      "T0sAAAAAAAAAAAAABLAAAAAAAAABLAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+gAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA" +
      "AAYAAAACALQAAAAHAAAAAgDhAAAAAAAAAAEAAAAABQAAAAEPAAAAAAAAAAEAAAAAAAAAAAEAAAAAAAAAAAEAAAAAAAAAAAEA" +
      "AAAABwAAAAINxQAAAAAGUFJJQ0VEAAAAKXByaWNlZCB3aXRoIG9wZW5haS9ncHQtNG8tbWluaSAoc3RhbmRhcmQpAAAADDIw" +
      "MjUtMTAtMDEreAAAABJvcGVuYWkvZ3B0LTRvLW1pbmn//////////wAAAAAAAAABAAAAIDBhZjc2NTE5MTZjZDQzZGQ4NDQ4" +
      "ZWIyMTFjODAzMTkxAAAAEGI3YWQ2YjcxNjkyMDMzMzEAAAAQMDBmMDY3YWEwYmE5MDJiNxiGclHt+gABGIZyUkdiLwAAAAAN" +
      "ZGVtby1jaGF0LWFwcAAAAAljb252LcOpLTEAAAAEYWNtZQAAAAZ1c2VyLTEAAAAMc3VwcG9ydC1jaGF0AAAAAAAAAAZvcGVu" +
      "YWkAAAALZ3B0LTRvLW1pbmkAAAAWZ3B0LTRvLW1pbmktMjAyNC0wNy0xOAAAAARjaGF0AAAAAAAAAAJPSwAAAAd0aW1lb3V0" +
      "AAAAAAAABLEAAAAAAAABLAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+gAAAAAAAAABAAAAAAAAAAAAAAAAAAAAAAAAAAYAAAAC" +
      "ALQAAAAHAAAAAgDhAAAAAAAAAAEAAAAABQAAAAEPAAAAAAAAAAEAAAAAAAAAAAEAAAAAAAAAAAEAAAAAAAAAAAEAAAAABwAA" +
      "AAINxQEAAAAMAAAADgCb0wo8ZFlD3RaQoDoUAAAABlBSSUNFRAAAAClwcmljZWQgd2l0aCBvcGVuYWkvZ3B0LTRvLW1pbmkg" +
      "KHN0YW5kYXJkKQAAAAwyMDI1LTEwLTAxK3gAAAASb3BlbmFpL2dwdC00by1taW5pAAAAABTck4AAAAAAAAAAAQAAACAwYWY3" +
      "NjUxOTE2Y2Q0M2RkODQ0OGViMjExYzgwMzE5MgAAABBiN2FkNmI3MTY5MjAzMzMyAAAAEDAwZjA2N2FhMGJhOTAyYjcYhnJR" +
      "7foAAhiGclJHYi8AAAAADWRlbW8tY2hhdC1hcHAAAAAJY29udi3DqS0yAAAABGFjbWUAAAAGdXNlci0yAAAADHN1cHBvcnQt" +
      "Y2hhdAAAAAEAAAABawAAAAF2AAAABm9wZW5haQAAAAtncHQtNG8tbWluaQAAABZncHQtNG8tbWluaS0yMDI0LTA3LTE4AAAA" +
      "BGNoYXQAAAAAAAAAAk9LAAAAAAAAAAAAAASyAAAAAAAAASwAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAPoAAAAAAAAAAgAAAAAA" +
      "AAAAAAAAAAAAAAAAAAAGAAAAAgC0AAAABwAAAAIA4QAAAAAAAAABAAAAAAUAAAABDwAAAAAAAAABAAAAAAAAAAABAAAAAAAA" +
      "AAABAAAAAAAAAAABAAAAAAcAAAACDcUAAAAABlBSSUNFRAAAAClwcmljZWQgd2l0aCBvcGVuYWkvZ3B0LTRvLW1pbmkgKHN0" +
      "YW5kYXJkKQAAAAwyMDI1LTEwLTAxK3gAAAASb3BlbmFpL2dwdC00by1taW5pAAAAABTck4AAAAAAAAAAAQAAAAEAAAAgMGFm" +
      "NzY1MTkxNmNkNDNkZDg0NDhlYjIxMWM4MDMxOTAAAAAGY29udi0xAAAABGFjbWUAAAABdQAAAAFmAAAAABiGclH1TtTAAAAA" +
      "AAAAAAI=";

  private static final List<TraceAttribution> ATTRIBUTIONS = List.of(new TraceAttribution(
      "0af7651916cd43dd8448eb211c803190", "conv-1", "acme", "u", "f", Map.of(), 1_767_225_600_123_000_000L, 2));

  /** The unlocked streams change nothing on disk: same bytes as before, for buffers already written. */
  @Test
  void encodesExactlyAsBefore() {
    assertThat(Base64.getEncoder().encodeToString(RowCodec.encode(rows(), ATTRIBUTIONS))).isEqualTo(FORMER_ENCODING);
  }

  @Test
  void decodesWhatItEncodes() throws Exception {
    RowCodec.Entry e = RowCodec.decode(Base64.getDecoder().decode(FORMER_ENCODING));
    assertThat(e.spans()).hasSize(3);
    assertThat(e.spans()).extracting(Object::toString).containsExactlyElementsOf(rows().stream().map(Object::toString).toList());
    assertThat(e.spans().get(1).providedCost()).isEqualByComparingTo("12345678901234567890.123456789012");
    assertThat(e.spans().get(2).tags()).containsEntry("k", "v");
    assertThat(e.spans().get(0).conversationId()).isEqualTo("conv-é-0");
    assertThat(e.attributions()).isEqualTo(ATTRIBUTIONS);
    assertThat(RowCodec.encode(e.spans(), e.attributions())).isEqualTo(Base64.getDecoder().decode(FORMER_ENCODING));
  }

  @Test
  void anEmptyCallRoundTrips() throws Exception {
    RowCodec.Entry e = RowCodec.decode(RowCodec.encode(List.of(), List.of()));
    assertThat(e.spans()).isEmpty();
    assertThat(e.attributions()).isEmpty();
  }

  private static List<SpanCostRow> rows() {
    List<SpanCostRow> out = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      SpanCostRow.Builder b = SpanCostRow.builder().traceId("0af7651916cd43dd8448eb211c80319" + i).spanId("b7ad6b716920333" + i)
          .parentSpanId(i == 0 ? "" : "00f067aa0ba902b7").startEpochNanos(1_767_225_600_000_000_000L + i).endEpochNanos(1_767_225_601_500_000_000L)
          .serviceName("demo-chat-app").conversationId("conv-é-" + i).tenantId("acme").userId("user-" + i).feature("support-chat")
          .tags(i == 2 ? Map.of("k", "v") : Map.of()).provider("openai").requestModel("gpt-4o-mini").responseModel("gpt-4o-mini-2024-07-18")
          .operation("chat").toolName("").spanStatus("OK").errorType(i == 1 ? "timeout" : "")
          .inputTokens(1200 + i).cacheReadTokens(300).cacheWriteTokens(0).cacheWrite1hTokens(0).outputTokens(250).reasoningTokens(i).audioInputTokens(0).audioOutputTokens(0)
          .inputCost(new BigDecimal("0.000180")).cacheReadCost(new BigDecimal("0.0000225")).cacheWriteCost(BigDecimal.ZERO).outputCost(new BigDecimal("0.00015"))
          .reasoningCost(BigDecimal.ZERO).audioCost(BigDecimal.ZERO).requestCost(BigDecimal.ZERO).toolCost(BigDecimal.ZERO).totalCost(new BigDecimal("0.0003525"))
          .pricingStatus("PRICED").pricingReason("priced with openai/gpt-4o-mini (standard)").catalogVersion("2025-10-01+x").priceEntry("openai/gpt-4o-mini")
          .timeToFirstTokenNanos(i == 0 ? -1 : 350_000_000L).attributionVersion(1);
      if (i == 1) {
        b.providedCost(new BigDecimal("12345678901234567890.123456789012"));
      }
      out.add(b.build());
    }
    return out;
  }
}
