package dev.costtrace.receiver.pipeline;

import com.google.protobuf.ByteString;
import dev.costtrace.budget.api.ConversationBudgetExceededException;
import dev.costtrace.pricing.PricedSpan;
import dev.costtrace.pricing.PricingStatus;
import dev.costtrace.pricing.SpanPricer;
import dev.costtrace.pricing.TokenUsage;
import dev.costtrace.pricing.normalize.Attribution;
import dev.costtrace.pricing.normalize.AttributionKeys;
import dev.costtrace.pricing.normalize.NormalizedSpan;
import dev.costtrace.pricing.normalize.SpanNormalizer;
import dev.costtrace.receiver.attribution.TraceAttributor;
import dev.costtrace.receiver.metrics.MetricsSource;
import dev.costtrace.receiver.metrics.PrometheusText;
import dev.costtrace.receiver.metrics.SpendMetrics;
import dev.costtrace.receiver.otlp.OtlpAttributes;
import dev.costtrace.receiver.otlp.OtlpJson;
import dev.costtrace.receiver.sampling.AdjustedCount;
import dev.costtrace.sink.SinkFullException;
import dev.costtrace.sink.SpanAttribution;
import dev.costtrace.sink.SpanColumns;
import dev.costtrace.sink.SpanCostRow;
import dev.costtrace.sink.SpanSink;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import io.opentelemetry.proto.trace.v1.Status;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Validate → attribute → price → sink, for each span of an export request. Invalid spans are
 * rejected one by one (OTLP partial success) while their valid neighbours are kept; a full sink
 * turns into back-pressure for the whole request, so nothing of it is acknowledged, and nothing of
 * it is remembered either.
 *
 * <p>Each span's attributes are read once, by {@link SpanNormalizer}: pricing facts, attribution,
 * error type and time to first token.
 *
 * <p>Attribution: every span's own values (its attributes and resource, by {@link AttributionKeys};
 * with bearer-token auth the token's tenant) are observations of its trace. The sink stores those
 * that can decide a field ({@link SpanAttribution}: per field the earliest-starting span with a
 * value) and resolves each trace from all of them, in any arrival order. A span row carries its own
 * values, filled in with the earliest-starting ones known when it arrived (this request, and what
 * the sink accepted before, per {@link TraceAttributor}); the rollups do not use those.
 */
public final class PricingPipeline implements TraceConsumer, MetricsSource {
  /**
   * The pricing status of a call the agent's budget blocked before sending (its span ends with the
   * budget's exception as {@code error.type}): it never reached the vendor, so it is neither a
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
  private final SpanNormalizer normalizer;
  private final TraceAttributor attributor;
  private final SpendMetrics spend;
  private final SpanValidation validation;
  private final AcceptedSpans acceptedSpans;
  private final AtomicLong spansReceived = new AtomicLong();
  private final AtomicLong spansRejected = new AtomicLong();
  private final AtomicLong spansPriced = new AtomicLong();

  /** Calls the agent's budget blocked: taken and stored, but neither priced nor unpriced. */
  private final AtomicLong spansBlocked = new AtomicLong();

  private final EnumMap<PricingStatus, LongAdder> byStatus = new EnumMap<>(PricingStatus.class);

  /** A pipeline into {@code sink}; everything else has a default, set in {@link Builder} alone. */
  public static Builder builder(SpanSink sink) {
    return new Builder(sink);
  }

  /** The pipeline's parts; each defaults to what a receiver with no settings uses. */
  public static final class Builder {
    private final SpanSink sink;
    private SpanPricer pricer;
    private AttributionKeys keys = AttributionKeys.defaults();
    private TraceAttributor attributor;
    private SpendMetrics spend;
    private SpanValidation validation = SpanValidation.defaults();
    private AcceptedSpans acceptedSpans;

    private Builder(SpanSink sink) {
      this.sink = java.util.Objects.requireNonNull(sink, "sink");
    }

    /** Default: the bundled catalog with no overrides. */
    public Builder pricer(SpanPricer pricer) {
      this.pricer = pricer;
      return this;
    }

    /**
     * Which attributes carry conversation, tenant, user and feature; default: the built-in lists.
     */
    public Builder keys(AttributionKeys keys) {
      this.keys = keys;
      return this;
    }

    /**
     * Default: {@link TraceAttributor#DEFAULT_WINDOW}, {@link TraceAttributor#DEFAULT_MAX_TRACES}.
     */
    public Builder attributor(TraceAttributor attributor) {
      this.attributor = attributor;
      return this;
    }

    /** The spend counters what the sink accepts is counted in; default: fresh ones. */
    public Builder spend(SpendMetrics spend) {
      this.spend = spend;
      return this;
    }

    /** Which spans are refused, each alone (their times, their IDs); default: the defaults. */
    public Builder validation(SpanValidation validation) {
      this.validation = validation;
      return this;
    }

    /** Told about every priced span the sink took (budgets); default: none. */
    public Builder acceptedSpans(AcceptedSpans acceptedSpans) {
      this.acceptedSpans = acceptedSpans;
      return this;
    }

    public PricingPipeline build() {
      return new PricingPipeline(
          pricer != null ? pricer : SpanPricer.builder().build(),
          sink,
          SpanNormalizer.of(keys),
          attributor != null
              ? attributor
              : new TraceAttributor(
                  TraceAttributor.DEFAULT_WINDOW, TraceAttributor.DEFAULT_MAX_TRACES),
          spend != null ? spend : SpendMetrics.builder().build(),
          validation,
          acceptedSpans);
    }
  }

  private PricingPipeline(
      SpanPricer pricer,
      SpanSink sink,
      SpanNormalizer normalizer,
      TraceAttributor attributor,
      SpendMetrics spend,
      SpanValidation validation,
      AcceptedSpans acceptedSpans) {
    this.validation = java.util.Objects.requireNonNull(validation, "validation");
    this.spend = java.util.Objects.requireNonNull(spend, "spend");
    this.acceptedSpans = acceptedSpans;
    this.pricer = pricer;
    this.sink = sink;
    this.normalizer = normalizer;
    this.attributor = attributor;
    for (PricingStatus status : PricingStatus.values()) {
      byStatus.put(status, new LongAdder());
    }
  }

  /** A trace as this request sees it: what the sink accepted before, and what this request says. */
  private static final class RequestTrace {
    final TraceAttributor.TraceRef ref;
    final ByteString traceId;
    final TraceAttributor.Known known;

    /** Per field, the earliest observation of this request that has a value for it. */
    final TraceAttributor.Known request = new TraceAttributor.Known();

    String hex;

    RequestTrace(TraceAttributor.TraceRef ref, ByteString traceId, TraceAttributor.Known known) {
      this.ref = ref;
      this.traceId = traceId;
      this.known = known;
    }

    String hex() {
      if (hex == null) {
        hex = OtlpJson.hex(traceId);
      }
      return hex;
    }

    /** Per field: the span's own value, else the earliest-starting one known now. */
    Attribution fill(Attribution own) {
      String[] v = new String[Attribution.FIELDS];
      for (int f = 0; f < Attribution.FIELDS; f++) {
        v[f] = own.field(f);
        if (v[f].isEmpty()) {
          TraceAttributor.Observation k = known.field(f);
          TraceAttributor.Observation r = request.field(f);
          TraceAttributor.Observation best = k == null ? r : r == null || k.precedes(r) ? k : r;
          v[f] = best == null ? "" : best.attribution().field(f);
        }
      }
      return new Attribution(v[0], v[1], v[2], v[3]);
    }
  }

  /** A priced span waiting for its row until the whole request's attribution is read. */
  private record Priced(
      Span span,
      List<KeyValue> resource,
      String service,
      Attribution own,
      RequestTrace trace,
      PricedSpan price) {}

  @Override
  public ExportOutcome consume(ExportTraceServiceRequest request, String tenantFromAuth)
      throws BackPressureException {
    String authTenant = tenantFromAuth == null ? "" : tenantFromAuth;
    Map<TraceAttributor.TraceRef, RequestTrace> traces = new HashMap<>();
    List<Priced> pricedSpans = new ArrayList<>();
    List<Span> rowSpans = acceptedSpans == null ? null : new ArrayList<>();
    long received = 0;
    long rejected = 0;
    long[] priced = new long[STATUSES.length];
    long blocked = 0;
    String firstProblem = null;
    Map<String, Integer> reasons = null;
    long now = System.nanoTime();
    for (ResourceSpans rs : request.getResourceSpansList()) {
      List<KeyValue> resource = rs.getResource().getAttributesList();
      String service = OtlpAttributes.string(resource, "service.name");
      SpanNormalizer.ResourceFacts facts = normalizer.resource(resource);
      for (ScopeSpans ss : rs.getScopeSpansList()) {
        for (Span span : ss.getSpansList()) {
          received++;
          SpanValidation.Problem problem = validation.problem(span);
          if (problem != null) {
            rejected++;
            if (firstProblem == null) {
              firstProblem = problem.detail();
              reasons = new java.util.LinkedHashMap<>();
            }
            reasons.merge(problem.reason(), 1, Integer::sum);
            continue;
          }
          NormalizedSpan normalized =
              normalizer.read(span.getAttributesList(), facts, span.getStartTimeUnixNano());
          Attribution own = normalized.attribution();
          if (tenantFromAuth != null) {
            // The token decides the tenant (the sink's key): what a span says about it is no
            // observation.
            own = own.withTenant("");
          }
          TraceAttributor.TraceRef ref = TraceAttributor.TraceRef.of(authTenant, span.getTraceId());
          RequestTrace trace = traces.get(ref);
          if (trace == null) {
            trace = new RequestTrace(ref, span.getTraceId(), attributor.lookup(ref, now));
            traces.put(ref, trace);
          }
          if (!own.isEmpty()) {
            trace.request.merge(
                new TraceAttributor.Observation(
                    own, span.getStartTimeUnixNano(), span.getSpanId()));
          }
          // Priced with the tenant known so far (per-tenant prices): the token's, else the span's
          // or its trace's.
          String tenant =
              tenantFromAuth != null
                  ? tenantFromAuth
                  : !own.tenantId().isEmpty()
                      ? own.tenantId()
                      : trace.fill(Attribution.NONE).tenantId();
          PricedSpan p = pricer.price(normalized, tenant);
          if (!p.isApplicable()) {
            continue;
          }
          // A blocked call has no usage, so it is never PRICED: only unpriced ones are looked at.
          if (p.status() != PricingStatus.PRICED && isBlocked(normalized)) {
            blocked++;
          } else {
            priced[p.status().ordinal()]++;
          }
          pricedSpans.add(new Priced(span, resource, service, own, trace, p));
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
    if (blocked > 0) {
      spansPriced.addAndGet(blocked);
      spansBlocked.addAndGet(blocked);
    }
    List<SpanCostRow> rows = new ArrayList<>(pricedSpans.size());
    for (Priced p : pricedSpans) {
      Attribution a = p.trace().fill(p.own());
      rows.add(
          row(
              p.span(),
              p.resource(),
              authTenant,
              p.trace().hex(),
              p.service(),
              tenantFromAuth == null ? a : a.withTenant(tenantFromAuth),
              p.price()));
      if (rowSpans != null) {
        rowSpans.add(p.span());
      }
    }
    List<SpanAttribution> attributions = new ArrayList<>();
    List<Runnable> accepted = new ArrayList<>();
    long wall = System.currentTimeMillis() * 1_000_000L;
    for (RequestTrace t : traces.values()) {
      observations(t, authTenant, wall, attributions, accepted, now);
    }
    if (!rows.isEmpty() || !attributions.isEmpty()) {
      try {
        sink.accept(rows, attributions);
      } catch (SinkFullException e) {
        throw new BackPressureException(e.getMessage(), e.retryAfter(), false);
      } catch (java.io.UncheckedIOException e) {
        // The sink could not make the rows durable (its disk is full or failing): nothing was
        // acknowledged, and a retry once the disk recovers is what the exporter should do.
        throw new BackPressureException(
            "the receiver cannot store spans right now ("
                + e.getCause().getMessage()
                + "); retry later",
            STORAGE_RETRY_AFTER,
            true);
      }
      accepted.forEach(Runnable::run); // only now: a refused request leaves nothing behind
      spend.accepted(rows, attributions);
      if (acceptedSpans != null) {
        acceptedSpans.accepted(rows, rowSpans, attributions);
      }
    }
    spansRejected.addAndGet(rejected);
    return rejected == 0
        ? ExportOutcome.allAccepted()
        : new ExportOutcome(
            rejected,
            rejected + " span(s) rejected (" + counted(reasons) + "); first: " + firstProblem);
  }

  /** "2 start time absent, 1 ends before it starts": every reason of a request, with its count. */
  private static String counted(Map<String, Integer> reasons) {
    StringBuilder b = new StringBuilder();
    reasons.forEach(
        (reason, n) -> b.append(b.isEmpty() ? "" : ", ").append(n).append(' ').append(reason));
    return b.toString();
  }

  /**
   * The observations of a trace worth storing: the spans of this request that decide a field (its
   * earliest with a value), unless the sink already has an earlier one for every field they decide.
   * Each is recorded in the attributor once the sink has accepted it.
   */
  private void observations(
      RequestTrace t,
      String authTenant,
      long wall,
      List<SpanAttribution> out,
      List<Runnable> accepted,
      long now) {
    for (int f = 0; f < Attribution.FIELDS; f++) {
      TraceAttributor.Observation o = t.request.field(f);
      if (o == null || takenBefore(t, f, o) || !t.known.wouldChange(o)) {
        continue;
      }
      Attribution a = o.attribution();
      out.add(
          new SpanAttribution(
              authTenant,
              t.hex(),
              OtlpJson.hex(o.spanId()),
              o.startEpochNanos(),
              a.conversationId(),
              a.tenantId(),
              a.userId(),
              a.feature(),
              Map.of(),
              wall));
      accepted.add(() -> attributor.record(t.ref, o, now));
    }
  }

  /** Whether this observation decides an earlier field too (and so was looked at already). */
  private static boolean takenBefore(RequestTrace t, int field, TraceAttributor.Observation o) {
    for (int f = 0; f < field; f++) {
      if (t.request.field(f) == o) {
        return true;
      }
    }
    return false;
  }

  private static SpanCostRow row(
      Span span,
      List<KeyValue> resource,
      String authTenant,
      String traceId,
      String service,
      Attribution a,
      PricedSpan p) {
    TokenUsage u = p.span().usage();
    SpanCostRow.Builder b =
        SpanCostRow.builder()
            .set(SpanColumns.TRACE_ID, traceId)
            .set(SpanColumns.SPAN_ID, OtlpJson.hex(span.getSpanId()))
            .set(SpanColumns.AUTH_TENANT, authTenant)
            .set(
                SpanColumns.PARENT_SPAN_ID,
                span.getParentSpanId().isEmpty() ? "" : OtlpJson.hex(span.getParentSpanId()))
            .set(SpanColumns.START_TIME, span.getStartTimeUnixNano())
            .set(SpanColumns.END_TIME, span.getEndTimeUnixNano())
            .set(SpanColumns.SERVICE_NAME, service)
            .set(SpanColumns.CONVERSATION_ID, a.conversationId())
            .set(SpanColumns.TENANT_ID, a.tenantId())
            .set(SpanColumns.USER_ID, a.userId())
            .set(SpanColumns.FEATURE, a.feature())
            .set(SpanColumns.PROVIDER, p.provider())
            .set(SpanColumns.REQUEST_MODEL, p.span().requestModel())
            .set(SpanColumns.RESPONSE_MODEL, p.span().responseModel())
            .set(SpanColumns.OPERATION, p.span().operation())
            .set(SpanColumns.TOOL_NAME, p.span().toolName())
            .set(SpanColumns.SPAN_STATUS, status(span.getStatus()))
            .set(SpanColumns.ERROR_TYPE, p.span().errorType())
            .set(SpanColumns.INPUT_TOKENS, u.uncachedInput())
            .set(SpanColumns.CACHE_READ_TOKENS, u.cacheRead())
            .set(SpanColumns.CACHE_WRITE_TOKENS, u.cacheWrite())
            .set(SpanColumns.CACHE_WRITE_1H_TOKENS, u.cacheWrite1h())
            .set(SpanColumns.OUTPUT_TOKENS, u.output())
            .set(SpanColumns.REASONING_TOKENS, u.reasoning())
            .set(SpanColumns.AUDIO_INPUT_TOKENS, u.audioInput())
            .set(SpanColumns.AUDIO_OUTPUT_TOKENS, u.audioOutput())
            .set(SpanColumns.PROVIDED_COST, p.providedCost())
            .set(SpanColumns.TIME_TO_FIRST_TOKEN_NS, p.span().timeToFirstTokenNanos())
            .set(SpanColumns.SERVICE_TIER, p.span().serviceTier())
            .set(SpanColumns.ADJUSTED_COUNT, AdjustedCount.of(resource, span));
    withPricing(b, p);
    if (isBlocked(p.span())) {
      b.set(SpanColumns.PRICING_STATUS, BUDGET_BLOCKED)
          .set(SpanColumns.PRICING_REASON, "not sent: blocked by the conversation's budget");
    }
    return b.build();
  }

  /**
   * Sets a row's pricing columns (every cost component, the total, status, reason, catalog version
   * and entry) from a priced span: for the receiver's rows and a repricing's alike.
   */
  public static SpanCostRow.Builder withPricing(SpanCostRow.Builder b, PricedSpan p) {
    return b.set(SpanColumns.INPUT_COST, p.cost().input())
        .set(SpanColumns.CACHE_READ_COST, p.cost().cacheRead())
        .set(SpanColumns.CACHE_WRITE_COST, p.cost().cacheWrite())
        .set(SpanColumns.OUTPUT_COST, p.cost().output())
        .set(SpanColumns.REASONING_COST, p.cost().reasoning())
        .set(SpanColumns.AUDIO_COST, p.cost().audio())
        .set(SpanColumns.REQUEST_COST, p.cost().request())
        .set(SpanColumns.TOOL_COST, p.cost().tool())
        .set(SpanColumns.TOTAL_COST, p.total())
        .set(SpanColumns.PRICING_STATUS, p.status().name())
        .set(SpanColumns.PRICING_REASON, p.reason())
        .set(SpanColumns.CATALOG_VERSION, p.catalogVersion())
        .set(SpanColumns.PRICE_ENTRY, p.priceEntry());
  }

  /**
   * Whether the span is a call the agent's budget blocked (its error.type is the budget's
   * exception).
   */
  private static boolean isBlocked(NormalizedSpan span) {
    return span.errorType().equals(BLOCKED_ERROR_TYPE);
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
        .counter(
            "costtrace_spans_rejected_total",
            "Invalid spans rejected (OTLP partial success).",
            spansRejected.get());
    byStatus.forEach(
        (status, n) ->
            out.counter(
                "costtrace_spans_llm_total",
                "LLM and tool spans taken, by pricing status.",
                n.sum(),
                "status",
                status.name()));
    long unpriced = 0;
    for (var e : byStatus.entrySet()) {
      unpriced += e.getKey() == PricingStatus.PRICED ? 0 : e.getValue().sum();
    }
    out.counter(
        "costtrace_spans_unpriced_total",
        "LLM and tool spans with no price (unknown model, no usage, ...).",
        unpriced);
    out.counter(
        "costtrace_spans_budget_blocked_total",
        "Calls the agent's budget blocked before sending (stored as BUDGET_BLOCKED, not counted above).",
        spansBlocked.get());
    spend.writeTo(out);
  }
}
