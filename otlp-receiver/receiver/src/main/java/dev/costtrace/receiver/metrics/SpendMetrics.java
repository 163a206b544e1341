package dev.costtrace.receiver.metrics;

import dev.costtrace.sink.SpanAttribution;
import dev.costtrace.sink.SpanColumns;
import dev.costtrace.sink.SpanCostRow;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Spend counters for Prometheus: USD by model (with its provider), by tenant and by feature, for
 * alerting on spend with the tools users already run.
 *
 * <p><b>When a span counts.</b> A span that arrives with its tenant and feature known (its own, or
 * its trace's from the same or an earlier request) counts at once. An LLM span exported before the
 * root span that names them waits here until its trace has been quiet for the attribution window
 * (no span or attribution for it), then counts under what the trace resolved to by then: such spend
 * lags by about the window and carries the right labels. Only spans the sink accepted count; an
 * exporter's retry of a request whose answer was lost counts again (the stored rollups never do:
 * they are the exact record, the counters are for alerting).
 *
 * <p><b>Bounded cardinality.</b> Three families with one or two labels each, never their cross
 * product; each keeps at most {@link Builder#maxLabelValues} distinct values (first come, first
 * kept, for the receiver's life), after which new values count as {@value #OTHER}; values are cut
 * at {@value #MAX_LABEL_LENGTH} characters; an unknown tenant or feature is {@value #UNATTRIBUTED}.
 * So at most {@code 3 × (maxLabelValues + 1)} series, whatever arrives. Waiting traces are bounded
 * too ({@link Builder#maxPendingTraces}, a few hundred bytes each): past it the oldest counts
 * early, under what it has.
 *
 * <p>Amounts are summed exactly (BigDecimal) and exposed as Prometheus floats.
 */
public final class SpendMetrics implements MetricsSource {
  static final String OTHER = "other";
  static final String UNATTRIBUTED = "unattributed";
  static final int MAX_LABEL_LENGTH = 128;

  /** A trace's spend waiting for its attribution to settle. */
  private static final class Pending {
    String tenant = "";
    String feature = "";
    long touchedNanos;
    final Map<String, BigDecimal> byModel = new HashMap<>(2); // "provider\nmodel" -> USD
  }

  /** One family's series: label value(s) to exact USD, capped. */
  private static final class Family {
    final Map<String, BigDecimal> values = new LinkedHashMap<>();
    final int max;

    Family(int max) {
      this.max = max;
    }

    void add(String key, BigDecimal usd) {
      BigDecimal current = values.get(key);
      if (current == null && values.size() - (values.containsKey(OTHER) ? 1 : 0) >= max) {
        key = OTHER; // the one series beyond the cap
        current = values.get(key);
      }
      values.put(key, current == null ? usd : current.add(usd));
    }
  }

  private final long windowNanos;
  private final int maxPendingTraces;
  private final LongSupplier nanoTime;
  private final LinkedHashMap<String, Pending> pending = new LinkedHashMap<>(1024, 0.75f, true);
  private final Family byModel;
  private final Family byTenant;
  private final Family byFeature;

  private SpendMetrics(Builder b) {
    this.windowNanos = b.window.toNanos();
    this.maxPendingTraces = b.maxPendingTraces;
    this.nanoTime = b.nanoTime;
    this.byModel = new Family(b.maxLabelValues);
    this.byTenant = new Family(b.maxLabelValues);
    this.byFeature = new Family(b.maxLabelValues);
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * What the sink accepted for one export request: its priced rows, and the attributions it learnt
   * (the newest per trace last).
   */
  public void accepted(List<SpanCostRow> rows, List<SpanAttribution> attributions) {
    long now = nanoTime.getAsLong();
    synchronized (this) {
      for (SpanCostRow row : rows) {
        String provider = row.get(SpanColumns.PROVIDER);
        String responseModel = row.get(SpanColumns.RESPONSE_MODEL);
        String model =
            provider
                + "\n"
                + (row.get(SpanColumns.OPERATION).equals("execute_tool")
                    ? "tool:" + row.get(SpanColumns.TOOL_NAME)
                    : !responseModel.isEmpty()
                        ? responseModel
                        : row.get(SpanColumns.REQUEST_MODEL));
        String tenant = row.get(SpanColumns.TENANT_ID);
        String feature = row.get(SpanColumns.FEATURE);
        Pending p = pending.get(row.traceId());
        if (p == null && !tenant.isEmpty() && !feature.isEmpty()) {
          // Attributed already (the usual case: its root span came first or in the same request).
          count(model, label(tenant), label(feature), row.totalCost());
          continue;
        }
        p = touch(row.traceId(), now);
        update(p, tenant, feature);
        p.byModel.merge(model, row.totalCost(), BigDecimal::add);
      }
      for (SpanAttribution a : attributions) {
        Pending p = pending.get(a.traceId()); // only traces with spend wait here
        if (p != null) {
          p.touchedNanos = now;
          // With auth on, the token's tenant is the trace's, whatever its spans say.
          update(p, a.authTenant().isEmpty() ? a.tenantId() : a.authTenant(), a.feature());
        }
      }
      settle(now);
    }
  }

  private Pending touch(String traceId, long now) {
    Pending p = pending.get(traceId);
    if (p == null) {
      p = new Pending();
      pending.put(traceId, p);
    }
    p.touchedNanos = now;
    return p;
  }

  private static void update(Pending p, String tenant, String feature) {
    if (!tenant.isEmpty()) {
      p.tenant = tenant;
    }
    if (!feature.isEmpty()) {
      p.feature = feature;
    }
  }

  /** Counts the traces quiet for the window (and the oldest past the pending bound). */
  private void settle(long now) {
    Iterator<Pending> it = pending.values().iterator(); // least recently touched first
    while (it.hasNext()) {
      Pending p = it.next();
      if (now - p.touchedNanos < windowNanos && pending.size() <= maxPendingTraces) {
        break;
      }
      it.remove();
      String tenant = p.tenant.isEmpty() ? UNATTRIBUTED : label(p.tenant);
      String feature = p.feature.isEmpty() ? UNATTRIBUTED : label(p.feature);
      p.byModel.forEach((model, usd) -> count(model, tenant, feature, usd));
    }
  }

  private void count(String model, String tenant, String feature, BigDecimal usd) {
    byModel.add(label(model), usd);
    byTenant.add(tenant, usd);
    byFeature.add(feature, usd);
  }

  private static String label(String value) {
    return value.length() <= MAX_LABEL_LENGTH ? value : value.substring(0, MAX_LABEL_LENGTH);
  }

  /** Counts every pending trace now (at shutdown, so nothing accepted is left out). */
  public synchronized void settleAll() {
    settle(Long.MAX_VALUE / 2 + nanoTime.getAsLong());
  }

  @Override
  public void writeTo(PrometheusText out) {
    Map<String, BigDecimal> models;
    Map<String, BigDecimal> tenants;
    Map<String, BigDecimal> features;
    synchronized (this) {
      settle(nanoTime.getAsLong());
      models = Map.copyOf(byModel.values);
      tenants = Map.copyOf(byTenant.values);
      features = Map.copyOf(byFeature.values);
    }
    models.forEach(
        (key, usd) -> {
          int nl = key.indexOf('\n');
          String provider = nl < 0 ? "" : key.substring(0, nl);
          String model = nl < 0 ? key : key.substring(nl + 1);
          out.counter(
              "costtrace_model_spend_usd_total",
              "USD spent on LLM and tool calls, by model (tools as tool:<name>) and provider.",
              usd.doubleValue(),
              "provider",
              provider,
              "model",
              model);
        });
    tenants.forEach(
        (tenant, usd) ->
            out.counter(
                "costtrace_tenant_spend_usd_total",
                "USD spent on LLM and tool calls, by tenant.",
                usd.doubleValue(),
                "tenant",
                tenant));
    features.forEach(
        (feature, usd) ->
            out.counter(
                "costtrace_feature_spend_usd_total",
                "USD spent on LLM and tool calls, by feature.",
                usd.doubleValue(),
                "feature",
                feature));
  }

  /** Builder for {@link SpendMetrics}; every default is here. */
  public static final class Builder {
    /** As long as the attribution window, so that a trace's root span has come by then. */
    public static final Duration DEFAULT_WINDOW = Duration.ofSeconds(30);

    public static final int DEFAULT_MAX_LABEL_VALUES = 100;
    public static final int DEFAULT_MAX_PENDING_TRACES = 10_000;

    private Duration window = DEFAULT_WINDOW;
    private int maxLabelValues = DEFAULT_MAX_LABEL_VALUES;
    private int maxPendingTraces = DEFAULT_MAX_PENDING_TRACES;
    private LongSupplier nanoTime = System::nanoTime;

    private Builder() {}

    /** How long a trace must be quiet before its spend counts. */
    public Builder window(Duration window) {
      if (window.isNegative()) {
        throw new IllegalArgumentException("window must be non-negative");
      }
      this.window = window;
      return this;
    }

    /** Distinct values each label keeps before new ones count as "other". */
    public Builder maxLabelValues(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxLabelValues must be positive");
      }
      this.maxLabelValues = n;
      return this;
    }

    /** Traces whose spend may wait at once; past it the oldest counts early. */
    public Builder maxPendingTraces(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxPendingTraces must be positive");
      }
      this.maxPendingTraces = n;
      return this;
    }

    /** The clock (nanoseconds, as System::nanoTime); tests move it by hand. */
    public Builder nanoTime(LongSupplier nanoTime) {
      this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
      return this;
    }

    public SpendMetrics build() {
      return new SpendMetrics(this);
    }
  }
}
