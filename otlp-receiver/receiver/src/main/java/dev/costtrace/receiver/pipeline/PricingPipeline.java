package dev.costtrace.receiver.pipeline;

import dev.costtrace.budget.api.ConversationBudgetExceededException;
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
  private static final String ERROR_TYPE_KEY = "error.type";

  /**
   * The pricing status of a call the agent's budget blocked before sending (its span ends with
   * the budget's exception as {@code error.type}): it never reached the vendor, so it is neither a
   * priced nor an unpriced call; its budget event is what shows it.
   */
  public static final String BUDGET_BLOCKED = "BUDGET_BLOCKED";

  private static final String BLOCKED_ERROR_TYPE =
      ConversationBudgetExceededException.class.getName();
  private static final PricingStatus[] STATUSES = PricingStatus.values();
  /** How long exporters are told to wait when the sink cannot write its buffer. */
  static final java.time.Duration STORAGE_RETRY_AFTER = java.time.Duration.ofSeconds(5);
  private final SpanPricer pricer;
  private final SpanSink sink;
  private final AttributionKeys keys;
  private final TraceAttributor attributor;
  private final AcceptedSpans accepted;
  private final AtomicLong spansReceived = new AtomicLong();
  private final AtomicLong spansRejected = new AtomicLong();
  private final AtomicLong spansPriced = new AtomicLong();
  private final EnumMap<PricingStatus, LongAdder> byStatus = new EnumMap<>(PricingStatus.class);

  public PricingPipeline(SpanPricer pricer, SpanSink sink, AttributionKeys keys, TraceAttributor attributor) {
    this(pricer, sink, keys, attributor, null);
  }

  /** With a listener told about every priced span the sink took (budgets). */
  public PricingPipeline(SpanPricer pricer, SpanSink sink, AttributionKeys keys, TraceAttributor attributor,
      AcceptedSpans accepted) {
    this.accepted = accepted;
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
    List<Span> rowSpans = accepted == null ? null : new ArrayList<>();
    List<TraceAttribution> attributions = new ArrayList<>();
    long received = 0;
    long rejected = 0;
    long[] priced = new long[STATUSES.length];
    String firstProblem = null;
    long now = System.nanoTime();
    long wall = System.currentTimeMillis() * 1_000_000L;
    for (ResourceSpans rs : request.getResourceSpansList()) {
      List<KeyValue> resource = rs.getResource().getAttributesList();
      String service = OtlpAttributes.string(resource, "service.name");
      AttributionKeys.ResourceAttribution resourceAttribution = keys.resource(resource);
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span span : ss.getSpansList()) {
          received++;
          String problem = SpanValidation.problem(span);
          if (problem != null) {
            rejected++;
            if (firstProblem == null) {
              firstProblem = problem;
            }
            continue;
          }
          Attribution seen = keys.read(span.getAttributesList(), resourceAttribution);
          if (tenantFromAuth != null) {
            seen = new Attribution(seen.conversationId(), tenantFromAuth, seen.userId(), seen.feature());
          }
          TraceAttributor.Result trace = attributor.observe(span.getTraceId(), seen, now);
          Attribution a = trace.attribution();
          // Hex IDs only for what is written: most spans are neither priced nor news for their trace.
          String traceId = null;
          if (trace.changed()) {
            traceId = OtlpJson.hex(span.getTraceId());
            attributions.add(new TraceAttribution(traceId, a.conversationId(), a.tenantId(),
                a.userId(), a.feature(), Map.of(), wall, tenantFromAuth != null ? 2 : 1));
          }
          PricedSpan p = pricer.price(span, resource, a.tenantId());
          if (!p.isApplicable()) {
            continue;
          }
          priced[p.status().ordinal()]++;
          rows.add(row(span, traceId != null ? traceId : OtlpJson.hex(span.getTraceId()), service, a, p));
          if (rowSpans != null) {
            rowSpans.add(span);
          }
        }
      }
    }
    // Counted once per request, not per span: the counters are shared by every worker thread.
    spansReceived.addAndGet(received);
    for (PricingStatus status : STATUSES) {
      long n = priced[status.ordinal()];
      if (n > 0) {
        spansPriced.addAndGet(n);
        byStatus.get(status).add(n);
      }
    }
    if (!rows.isEmpty() || !attributions.isEmpty()) {
      try {
        sink.accept(rows, attributions);
      } catch (SinkFullException e) {
        throw new BackPressureException(e.getMessage(), e.retryAfter(), false);
      } catch (java.io.UncheckedIOException e) {
        // The sink could not make the rows durable (its disk is full or failing): nothing was
        // acknowledged, and a retry once the disk recovers is what the exporter should do.
        throw new BackPressureException("the receiver cannot store spans right now ("
            + e.getCause().getMessage() + "); retry later", STORAGE_RETRY_AFTER, true);
      }
      if (accepted != null) {
        accepted.accepted(rows, rowSpans, attributions);
      }
    }
    spansRejected.addAndGet(rejected);
    return rejected == 0
        ? ExportOutcome.allAccepted()
        : new ExportOutcome(rejected, rejected + " span(s) rejected; first: " + firstProblem);
  }

  private static SpanCostRow row(Span span, String traceId, String service, Attribution a, PricedSpan p) {
    TokenUsage u = p.span().usage();
    RowAttributes extra = RowAttributes.of(span.getAttributesList());
    boolean blocked = extra.errorType().equals(BLOCKED_ERROR_TYPE);
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
        .errorType(extra.errorType())
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
        .pricingStatus(blocked ? BUDGET_BLOCKED : p.status().name())
        .pricingReason(blocked ? "not sent: blocked by the conversation's budget" : p.reason())
        .catalogVersion(p.catalogVersion())
        .priceEntry(p.priceEntry())
        .timeToFirstTokenNanos(extra.timeToFirstTokenNanos())
        .build();
  }

  /** A streamed call's time to first token in nanoseconds; -1 when the span has none. */
  static long timeToFirstTokenNanos(Span span) {
    return RowAttributes.of(span.getAttributesList()).timeToFirstTokenNanos();
  }

  /**
   * The span attributes a row takes besides what pricing read (error type, time to first token),
   * found in one pass: the first occurrence of each key, as {@link OtlpAttributes} would find it.
   */
  private record RowAttributes(KeyValue error, KeyValue ttftNanos, KeyValue ttftSeconds, KeyValue ttftChunk) {
    static RowAttributes of(List<KeyValue> attributes) {
      KeyValue error = null;
      KeyValue nanos = null;
      KeyValue seconds = null;
      KeyValue chunk = null;
      for (int i = 0, n = attributes.size(); i < n; i++) {
        KeyValue kv = attributes.get(i);
        String key = kv.getKey();
        if (error == null && key.equals(ERROR_TYPE_KEY)) {
          error = kv;
        } else if (nanos == null && key.equals(TIME_TO_FIRST_TOKEN_NANOS_KEY)) {
          nanos = kv;
        } else if (seconds == null && key.equals(TIME_TO_FIRST_TOKEN_KEYS[0])) {
          seconds = kv;
        } else if (chunk == null && key.equals(TIME_TO_FIRST_TOKEN_KEYS[1])) {
          chunk = kv;
        }
      }
      return new RowAttributes(error, nanos, seconds, chunk);
    }

    String errorType() {
      return error == null ? "" : OtlpAttributes.text(error.getValue());
    }

    long timeToFirstTokenNanos() {
      double nanos = number(ttftNanos);
      if (nanos >= 0 && nanos < 86_400e9) {
        return (long) nanos;
      }
      long fromSeconds = fromSeconds(ttftSeconds);
      return fromSeconds >= 0 ? fromSeconds : fromSeconds(ttftChunk);
    }

    private static long fromSeconds(KeyValue kv) {
      double seconds = number(kv);
      return seconds >= 0 && seconds < 86_400 ? Math.round(seconds * 1e9) : -1;
    }

    private static double number(KeyValue kv) {
      return kv == null ? Double.NaN : OtlpAttributes.number(kv.getValue());
    }
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
