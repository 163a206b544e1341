package dev.costtrace.receiver.pipeline;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import dev.costtrace.receiver.attribution.TraceAttributor;
import dev.costtrace.sink.SinkFullException;
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
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * What the pipeline hands the sink about attribution: every span that can decide a field of its
 * trace, whatever order the spans come in; nothing remembered from a request the sink refused; per
 * tenant with auth on.
 */
class PipelineAttributionTest {
  private static final long T0 = 1_767_225_600_000_000_000L;
  private static final String TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

  /** A sink that records what it is handed, and refuses while told to. */
  static final class RecordingSink implements SpanSink {
    final List<SpanCostRow> rows = new ArrayList<>();
    final List<SpanAttribution> attributions = new ArrayList<>();
    boolean full;

    @Override
    public void accept(List<SpanCostRow> spans, List<SpanAttribution> observations)
        throws SinkFullException {
      if (full) {
        throw new SinkFullException("the sink buffer is full", Duration.ofSeconds(1));
      }
      rows.addAll(spans);
      attributions.addAll(observations);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
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

  private static Span span(int id, long start, KeyValue... attributes) {
    return Span.newBuilder()
        .setTraceId(ByteString.copyFrom(HexFormat.of().parseHex(TRACE)))
        .setSpanId(ByteString.copyFrom(HexFormat.of().parseHex(String.format("%016x", id))))
        .setName("s" + id)
        .setStartTimeUnixNano(start)
        .setEndTimeUnixNano(start + 1_000_000)
        .addAllAttributes(List.of(attributes))
        .build();
  }

  private static Span llm(int id, long start) {
    return span(
        id,
        start,
        kv("gen_ai.provider.name", "openai"),
        kv("gen_ai.operation.name", "chat"),
        kv("gen_ai.request.model", "gpt-4o-mini"),
        kv("gen_ai.usage.input_tokens", 1000),
        kv("gen_ai.usage.output_tokens", 100));
  }

  private static ExportTraceServiceRequest request(Span... spans) {
    return ExportTraceServiceRequest.newBuilder()
        .addResourceSpans(
            ResourceSpans.newBuilder()
                .addScopeSpans(ScopeSpans.newBuilder().addAllSpans(List.of(spans))))
        .build();
  }

  private static PricingPipeline pipeline(SpanSink sink) {
    return PricingPipeline.builder(sink)
        .attributor(new TraceAttributor(Duration.ofSeconds(30), 1000))
        .build();
  }

  /** The rule, over what the sink was handed: per field the earliest-starting span with a value. */
  private static String resolvedConversation(List<SpanAttribution> observations) {
    return observations.stream()
        .filter(a -> !a.conversationId().isEmpty())
        .min(
            Comparator.comparingLong(SpanAttribution::startEpochNanos)
                .thenComparing(SpanAttribution::spanId))
        .map(SpanAttribution::conversationId)
        .orElse("");
  }

  /**
   * A root span says conv-root, a later child says conv-child, an LLM call says nothing: in every
   * order and split into requests, the observations resolve to the root's conversation.
   */
  @Test
  void whateverTheArrivalOrderTheRootsConversationWins() throws Exception {
    List<Span> spans =
        List.of(
            span(1, T0, kv("gen_ai.conversation.id", "conv-root"), kv("enduser.id", "u-1")),
            span(2, T0 + 50, kv("gen_ai.conversation.id", "conv-child"), kv("tenant.id", "acme")),
            llm(3, T0 + 100),
            llm(4, T0 + 200));
    Random r = new Random(3);
    for (int round = 0; round < 40; round++) {
      List<Span> order = new ArrayList<>(spans);
      Collections.shuffle(order, r);
      RecordingSink sink = new RecordingSink();
      PricingPipeline p = pipeline(sink);
      int cut = r.nextInt(order.size() + 1);
      p.consume(request(order.subList(0, cut).toArray(Span[]::new)), null);
      p.consume(request(order.subList(cut, order.size()).toArray(Span[]::new)), null);
      assertThat(resolvedConversation(sink.attributions))
          .as("order %s", order)
          .isEqualTo("conv-root");
      assertThat(sink.attributions).extracting(SpanAttribution::tenantId).contains("acme");
      assertThat(sink.rows).hasSize(2);
    }
  }

  /**
   * The sink refuses the request with the root span (429): nothing of it is remembered, so the
   * client's retry hands the root's observation to the sink again.
   */
  @Test
  void aRefusedRequestIsRecordedOnlyWhenItsRetryIsAccepted() throws Exception {
    RecordingSink sink = new RecordingSink();
    PricingPipeline p = pipeline(sink);
    p.consume(request(llm(3, T0 + 100)), null);
    Span root = span(1, T0, kv("gen_ai.conversation.id", "conv-root"));
    sink.full = true;
    assertThatThrownBy(() -> p.consume(request(root), null))
        .isInstanceOf(BackPressureException.class);
    sink.full = false;
    p.consume(request(root), null);
    assertThat(resolvedConversation(sink.attributions)).isEqualTo("conv-root");
    // and a retry of what was accepted adds no new observation
    int before = sink.attributions.size();
    p.consume(request(root), null);
    assertThat(sink.attributions).hasSize(before);
  }

  /**
   * With auth on, a span row and its observations carry the token's tenant, whatever the span says.
   */
  @Test
  void perTenantWithAuthOn() throws Exception {
    RecordingSink sink = new RecordingSink();
    PricingPipeline p = pipeline(sink);
    p.consume(
        request(
            span(1, T0, kv("gen_ai.conversation.id", "conv-a"), kv("tenant.id", "spoofed")),
            llm(3, T0 + 100)),
        "tenant-a");
    // tenant B, same trace ID: A's conversation must not fill B's rows
    p.consume(request(llm(3, T0 + 100)), "tenant-b");
    assertThat(sink.rows)
        .extracting(
            r ->
                r.authTenant()
                    + " "
                    + r.get(SpanColumns.TENANT_ID)
                    + " "
                    + r.get(SpanColumns.CONVERSATION_ID))
        .containsExactly("tenant-a tenant-a conv-a", "tenant-b tenant-b ");
    // the token's tenant is the key, not an observation: only tenant A's root said something
    assertThat(sink.attributions)
        .extracting(a -> a.authTenant() + " " + a.conversationId() + " " + a.tenantId())
        .containsExactly("tenant-a conv-a ");
  }
}
