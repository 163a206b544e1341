package dev.costtrace.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.costtrace.pricing.SpanPricer;
import dev.costtrace.receiver.attribution.TraceAttributor;
import dev.costtrace.receiver.pipeline.PricingPipeline;
import dev.costtrace.sink.SpanAttribution;
import dev.costtrace.sink.SpanColumns;
import dev.costtrace.sink.SpanCostRow;
import dev.costtrace.sink.SpanSink;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@link RepriceCommand#reprice}: a row the receiver's pipeline stored prices to the same amounts
 * from its stored facts (tokens, model, provider, time, service tier), including a row written
 * before the service tier had its column; and {@code --since} as a duration, date or instant.
 */
class RepricePricingTest {
  private final SpanPricer pricer = SpanPricer.builder().build();

  @Test
  void aStoredBatchTierCallPricesTheSameFromItsRow() throws Exception {
    SpanCostRow stored =
        storedByTheReceiver(
            kv("gen_ai.provider.name", "aws.bedrock"),
            kv("gen_ai.operation.name", "chat"),
            kv("gen_ai.request.model", "us.anthropic.claude-3-5-sonnet-20241022-v2:0"),
            kv("gen_ai.request.service_tier", "batch"),
            kv("gen_ai.usage.input_tokens", 1_000_000),
            kv("gen_ai.usage.output_tokens", 1000));
    assertThat(stored.get(SpanColumns.SERVICE_TIER)).isEqualTo("batch");
    assertThat(stored.get(SpanColumns.PRICING_REASON)).contains("batch tier");

    SpanCostRow again = RepriceCommand.reprice(pricer, stored);
    assertThat(again.totalCost()).isEqualByComparingTo(stored.totalCost());
    assertThat(again.get(SpanColumns.PRICE_ENTRY)).isEqualTo(stored.get(SpanColumns.PRICE_ENTRY));
    assertThat(again.get(SpanColumns.PRICING_STATUS)).isEqualTo("PRICED");

    // Written before service_tier was a column: the tier its reason names.
    SpanCostRow legacy = stored.toBuilder().set(SpanColumns.SERVICE_TIER, "").build();
    assertThat(RepriceCommand.serviceTier(legacy)).isEqualTo("batch");
    assertThat(RepriceCommand.reprice(pricer, legacy).totalCost())
        .isEqualByComparingTo(stored.totalCost());
    // Without the tier, it would be the standard price: twice as much.
    SpanCostRow noTier = legacy.toBuilder().set(SpanColumns.PRICING_REASON, "").build();
    assertThat(RepriceCommand.reprice(pricer, noTier).totalCost())
        .isEqualByComparingTo(stored.totalCost().multiply(java.math.BigDecimal.valueOf(2)));
  }

  @Test
  void sinceIsADurationADateOrAnInstant() {
    Instant now = Instant.parse("2026-03-10T12:00:00Z");
    assertThat(RepriceCommand.since("7d", now)).isEqualTo(Instant.parse("2026-03-03T12:00:00Z"));
    assertThat(RepriceCommand.since("2026-01-01", now))
        .isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
    assertThat(RepriceCommand.since("2026-02-01T08:30:00Z", now))
        .isEqualTo(Instant.parse("2026-02-01T08:30:00Z"));
    assertThat(RepriceCommand.since("last week", now)).isNull();
  }

  private SpanCostRow storedByTheReceiver(KeyValue... attributes) throws Exception {
    List<SpanCostRow> rows = new ArrayList<>();
    SpanSink sink =
        new SpanSink() {
          @Override
          public void accept(List<SpanCostRow> spans, List<SpanAttribution> attributions) {
            rows.addAll(spans);
          }

          @Override
          public void flush() {}

          @Override
          public void close() {}
        };
    long start = Instant.parse("2026-03-10T12:00:00Z").toEpochMilli() * 1_000_000L;
    Span span =
        Span.newBuilder()
            .setTraceId(
                ByteString.copyFrom(HexFormat.of().parseHex("5b8efff798038103d269b633813fc60c")))
            .setSpanId(ByteString.copyFrom(HexFormat.of().parseHex("eee19b7ec3c1b174")))
            .setName("chat")
            .setStartTimeUnixNano(start)
            .setEndTimeUnixNano(start + 1_000_000)
            .addAllAttributes(List.of(attributes))
            .build();
    PricingPipeline.builder(sink)
        .pricer(pricer)
        .attributor(new TraceAttributor(Duration.ofSeconds(30), 1000))
        .build()
        .consume(
            ExportTraceServiceRequest.newBuilder()
                .addResourceSpans(
                    ResourceSpans.newBuilder()
                        .addScopeSpans(ScopeSpans.newBuilder().addSpans(span)))
                .build(),
            null);
    assertThat(rows).hasSize(1);
    return rows.get(0);
  }

  private static KeyValue kv(String key, String value) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value))
        .build();
  }

  private static KeyValue kv(String key, long value) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setValue(AnyValue.newBuilder().setIntValue(value))
        .build();
  }
}
