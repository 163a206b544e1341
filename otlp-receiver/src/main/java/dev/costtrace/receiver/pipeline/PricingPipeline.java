package dev.costtrace.receiver.pipeline;

import dev.costtrace.pricing.PricedSpan;
import dev.costtrace.pricing.SpanPricer;
import dev.costtrace.pricing.TokenUsage;
import dev.costtrace.receiver.attribution.Attribution;
import dev.costtrace.receiver.attribution.AttributionKeys;
import dev.costtrace.receiver.attribution.TraceAttributor;
import dev.costtrace.receiver.otlp.OtlpAttributes;
import dev.costtrace.receiver.otlp.OtlpJson;
import dev.costtrace.sink.SinkFullException;
import dev.costtrace.sink.SpanCostRow;
import dev.costtrace.sink.SpanSink;
import dev.costtrace.sink.TraceAttribution;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.EnumMap;
import dev.costtrace.pricing.PricingStatus;
import dev.costtrace.receiver.metrics.MetricsSource;
import dev.costtrace.receiver.metrics.PrometheusText;

/**
 * Validate → price → attribute → sink, for each span of an export request. Invalid spans are
 * rejected one by one (OTLP partial success) while their valid neighbours are kept; a full sink
 * turns into back-pressure for the whole request, so nothing of it is acknowledged.
 */
public final class PricingPipeline implements TraceConsumer, MetricsSource {
  /**
   * Where emitters put a stream's time to first token: CostTrace's agent in nanoseconds, others
   * in seconds (OpenLIT's name, and the GenAI stream name).
   */
  private static final String TIME_TO_FIRST_TOKEN_NANOS_KEY = "costtrace.gen_ai.time_to_first_token_ns";
  private static final String[] TIME_TO_FIRST_TOKEN_KEYS = {
    "gen_ai.server.time_to_first_token", "gen_ai.response.time_to_first_chunk"};
  private final SpanPricer pricer;
  private final SpanSink sink;
  private final AttributionKeys keys;
  private final TraceAttributor attributor;
  private final AtomicLong spansReceived = new AtomicLong();
  private final AtomicLong spansRejected = new AtomicLong();
  private final AtomicLong spansPriced = new AtomicLong();
  private final EnumMap<PricingStatus, LongAdder> byStatus = new EnumMap<>(PricingStatus.class);

  public PricingPipeline(SpanPricer pricer, SpanSink sink, AttributionKeys keys, TraceAttributor attributor) {
    this.pricer = pricer;
    this.sink = sink;
    this.keys = keys;
    this.attributor = attributor;
    for (PricingStatus status : PricingStatus.values()) {
      byStatus.put(status, new LongAdder());
    }
  }

  @Override
  public ExportOutcome consume(ExportTraceServiceRequest request, String tenantFromAuth)
      throws BackPressureException {
    List<SpanCostRow> rows = new ArrayList<>();
    List<TraceAttribution> attributions = new ArrayList<>();
    long rejected = 0;
    String firstProblem = null;
    long now = System.nanoTime();
    long wall = System.currentTimeMillis() * 1_000_000L;
    for (ResourceSpans rs : request.getResourceSpansList()) {
      List<KeyValue> resource = rs.getResource().getAttributesList();
      String service = OtlpAttributes.string(resource, "service.name");
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span span : ss.getSpansList()) {
          spansReceived.incrementAndGet();
          String problem = SpanValidation.problem(span);
          if (problem != null) {
            rejected++;
            if (firstProblem == null) {
              firstProblem = problem;
            }
            continue;
          }
          String traceId = OtlpJson.hex(span.getTraceId());
          Attribution seen = keys.read(span.getAttributesList(), resource);
          if (tenantFromAuth != null) {
            seen = new Attribution(seen.conversationId(), tenantFromAuth, seen.userId(), seen.feature());
          }
          TraceAttributor.Result trace = attributor.observe(traceId, seen, now);
          Attribution a = trace.attribution();
          if (trace.changed()) {
            attributions.add(new TraceAttribution(traceId, a.conversationId(), a.tenantId(),
                a.userId(), a.feature(), Map.of(), wall, tenantFromAuth != null ? 2 : 1));
          }
          PricedSpan p = pricer.price(span, resource, a.tenantId());
          if (!p.isApplicable()) {
            continue;
          }
          spansPriced.incrementAndGet();
          byStatus.get(p.status()).increment();
          rows.add(row(span, traceId, service, a, p));
        }
      }
    }
    if (!rows.isEmpty() || !attributions.isEmpty()) {
      try {
        sink.accept(rows, attributions);
      } catch (SinkFullException e) {
        throw new BackPressureException(e.getMessage(), e.retryAfter(), false);
      }
    }
    spansRejected.addAndGet(rejected);
    return rejected == 0
        ? ExportOutcome.allAccepted()
        : new ExportOutcome(rejected, rejected + " span(s) rejected; first: " + firstProblem);
  }

  private static SpanCostRow row(Span span, String traceId, String service, Attribution a, PricedSpan p) {
    TokenUsage u = p.span().usage();
    return SpanCostRow.builder()
        .traceId(traceId)
        .spanId(OtlpJson.hex(span.getSpanId()))
        .parentSpanId(span.getParentSpanId().isEmpty() ? "" : OtlpJson.hex(span.getParentSpanId()))
        .startEpochNanos(span.getStartTimeUnixNano())
        .endEpochNanos(span.getEndTimeUnixNano())
        .serviceName(service)
        .conversationId(a.conversationId())
        .tenantId(a.tenantId())
        .userId(a.userId())
        .feature(a.feature())
        .provider(p.provider())
        .requestModel(p.span().requestModel())
        .responseModel(p.span().responseModel())
        .operation(p.span().operation())
        .toolName(p.span().toolName())
        .spanStatus(status(span.getStatus()))
        .errorType(OtlpAttributes.string(span.getAttributesList(), "error.type"))
        .inputTokens(u.uncachedInput())
        .cacheReadTokens(u.cacheRead())
        .cacheWriteTokens(u.cacheWrite())
        .cacheWrite1hTokens(u.cacheWrite1h())
        .outputTokens(u.output())
        .reasoningTokens(u.reasoning())
        .audioInputTokens(u.audioInput())
        .audioOutputTokens(u.audioOutput())
        .inputCost(p.cost().input())
        .cacheReadCost(p.cost().cacheRead())
        .cacheWriteCost(p.cost().cacheWrite())
        .outputCost(p.cost().output())
        .reasoningCost(p.cost().reasoning())
        .audioCost(p.cost().audio())
        .requestCost(p.cost().request())
        .toolCost(p.cost().tool())
        .totalCost(p.total())
        .providedCost(p.providedCost())
        .pricingStatus(p.status().name())
        .pricingReason(p.reason())
        .catalogVersion(p.catalogVersion())
        .priceEntry(p.priceEntry())
        .timeToFirstTokenNanos(timeToFirstTokenNanos(span))
        .build();
  }

  /** A streamed call's time to first token in nanoseconds; -1 when the span has none. */
  static long timeToFirstTokenNanos(Span span) {
    double nanos = OtlpAttributes.number(span.getAttributesList(), TIME_TO_FIRST_TOKEN_NANOS_KEY);
    if (nanos >= 0 && nanos < 86_400e9) {
      return (long) nanos;
    }
    for (String key : TIME_TO_FIRST_TOKEN_KEYS) {
      double seconds = OtlpAttributes.number(span.getAttributesList(), key);
      if (seconds >= 0 && seconds < 86_400) {
        return Math.round(seconds * 1e9);
      }
    }
    return -1;
  }

  private static String status(Status s) {
    switch (s.getCode()) {
      case STATUS_CODE_OK:
        return "OK";
      case STATUS_CODE_ERROR:
        return "ERROR";
      default:
        return "UNSET";
    }
  }

  public long spansReceived() {
    return spansReceived.get();
  }

  public long spansRejected() {
    return spansRejected.get();
  }

  public long spansPriced() {
    return spansPriced.get();
  }

  @Override
  public void writeTo(PrometheusText out) {
    out.counter("costtrace_spans_received_total", "Spans in export requests.", spansReceived.get())
        .counter("costtrace_spans_rejected_total", "Invalid spans rejected (OTLP partial success).", spansRejected.get());
    byStatus.forEach((status, n) -> out.counter("costtrace_spans_llm_total",
        "LLM and tool spans taken, by pricing status.", n.sum(), "status", status.name()));
    long unpriced = 0;
    for (var e : byStatus.entrySet()) {
      unpriced += e.getKey() == PricingStatus.PRICED ? 0 : e.getValue().sum();
    }
    out.counter("costtrace_spans_unpriced_total", "LLM and tool spans with no price (unknown model, no usage, ...).", unpriced);
  }
}
