package dev.costtrace.pricing;

import dev.costtrace.config.Config;
import dev.costtrace.pricing.catalog.ConditionalPrice;
import dev.costtrace.pricing.catalog.ModelEntry;
import dev.costtrace.pricing.catalog.ModelPrice;
import dev.costtrace.pricing.catalog.PriceCatalog;
import dev.costtrace.pricing.catalog.PriceCatalogSource;
import dev.costtrace.pricing.catalog.PriceOverrides;
import dev.costtrace.pricing.catalog.PricingTables;
import dev.costtrace.pricing.catalog.ServiceTiers;
import dev.costtrace.pricing.normalize.ModelIdentity;
import dev.costtrace.pricing.normalize.ModelIdentity.ModelRef;
import dev.costtrace.pricing.normalize.NormalizedSpan;
import dev.costtrace.pricing.normalize.SpanNormalizer;
import dev.costtrace.pricing.tools.ToolCostRegistry.ToolPrice;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Prices spans: normalise, find the entry (overrides first, then the layered catalog), take the
 * prices in effect at the span's start, price each disjoint token class, apply the service tier,
 * and say how. Thread-safe; model look-ups are cached per catalog version.
 */
public final class SpanPricer implements AutoCloseable {
  private static final BigDecimal THOUSAND = BigDecimal.valueOf(1_000);
  private static final Set<String> CLAUDE_ONE_HOUR_AT_TWICE_INPUT =
      Set.of("anthropic", "aws", "google", "azure", "openrouter");

  private final PriceCatalogSource source;
  private final ModelIdentity identity;
  private final int cacheSize;
  private volatile Resolutions resolutions;

  private SpanPricer(Builder b) {
    this.source = b.source != null ? b.source : PriceCatalogSource.builder().build();
    this.identity = new ModelIdentity(b.azureDeployments);
    this.cacheSize = b.resolutionCacheSize;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * From configuration: the price sources of {@link PriceCatalogSource#builder(Config)}, and {@code
   * costtrace.azure.deployments} ({@code deployment=model,…}). Starts reloading.
   */
  public static SpanPricer fromConfig(Config config) {
    Builder b = builder().source(PriceCatalogSource.builder(config).build().start());
    config.getMap("costtrace.azure.deployments").ifPresent(b::azureDeployments);
    return b.build();
  }

  /** The price tables in force now. */
  public PricingTables tables() {
    return source.current();
  }

  /** Prices a span with no tenant (tenant-specific overrides do not apply). */
  public PricedSpan price(Span span, List<KeyValue> resourceAttributes) {
    return price(span, resourceAttributes, "");
  }

  /** Prices a span for a tenant, whose own overrides apply. */
  public PricedSpan price(Span span, List<KeyValue> resourceAttributes, String tenant) {
    return price(
        SpanNormalizer.normalize(
            span.getAttributesList(), resourceAttributes, span.getStartTimeUnixNano()),
        tenant);
  }

  /**
   * Prices stored token counts without a span, as repricing stored calls and budget estimates need:
   * the same look-up and billing as a span with these facts.
   *
   * @param provider the provider as emitters name it ({@code openai}, {@code aws.bedrock}), or
   *     empty
   * @param model the model id as the API names it
   * @param usage the call's disjoint token classes
   * @param at when the call started: the prices in effect then apply
   * @param serviceTier {@code batch}, {@code flex}, ..., or empty for standard
   * @param tenant whose overrides apply, or empty
   */
  public PricedSpan priceUsage(
      String provider,
      String model,
      TokenUsage usage,
      Instant at,
      String serviceTier,
      String tenant) {
    long nanos = at.getEpochSecond() * 1_000_000_000L + at.getNano();
    return price(NormalizedSpan.llmCall(provider, model, serviceTier, usage, nanos), tenant);
  }

  /** Prices an already normalised span. */
  public PricedSpan price(NormalizedSpan span, String tenant) {
    PricingTables tables = source.current();
    switch (span.kind()) {
      case NONE:
        return result(
            span,
            PricingStatus.NOT_APPLICABLE,
            "not an LLM or tool span",
            CostBreakdown.ZERO_COST,
            "",
            "",
            tables);
      case TOOL:
        return priceTool(span, tenant == null ? "" : tenant, tables);
      default:
        return priceLlm(span, tenant == null ? "" : tenant, tables);
    }
  }

  private PricedSpan priceTool(NormalizedSpan span, String tenant, PricingTables tables) {
    if (span.toolName().isEmpty()) {
      return result(
          span,
          PricingStatus.UNREGISTERED_TOOL,
          "execute_tool span without gen_ai.tool.name",
          CostBreakdown.ZERO_COST,
          "",
          "",
          tables);
    }
    ToolPrice tp = tables.tools().find(span.toolName(), tenant);
    if (tp == null) {
      return result(
          span,
          PricingStatus.UNREGISTERED_TOOL,
          "tool '" + span.toolName() + "' has no entry in the tool cost registry",
          CostBreakdown.ZERO_COST,
          "",
          "",
          tables);
    }
    BigDecimal cost = tp.perCall().add(tp.perUnit().multiply(BigDecimal.valueOf(span.toolUnits())));
    String how =
        tp.perUnit().signum() == 0
            ? tp.perCall().toPlainString() + " USD per call"
            : tp.perCall().toPlainString()
                + " USD per call + "
                + tp.perUnit().toPlainString()
                + " USD per "
                + (tp.unit().isEmpty() ? "unit" : tp.unit())
                + " × "
                + span.toolUnits();
    BigDecimal z = BigDecimal.ZERO;
    return result(
        span,
        PricingStatus.PRICED,
        "tool '" + tp.name() + "' at " + how,
        new CostBreakdown(z, z, z, z, z, z, z, cost),
        "tool/" + tp.name(),
        "",
        tables);
  }

  private PricedSpan priceLlm(NormalizedSpan span, String tenant, PricingTables tables) {
    String model = span.model();
    if (!span.usageReported()) {
      String why =
          span.invalidUsage() != null
              ? span.invalidUsage()
              : span.onlyTotalTokens()
                  ? "the span reports only a total token count, which cannot be split into priced"
                      + " classes"
                  : "the span reports no token usage";
      PricingStatus status =
          span.invalidUsage() != null ? PricingStatus.INVALID_USAGE : PricingStatus.NO_USAGE;
      return result(span, status, why, CostBreakdown.ZERO_COST, "", "", tables);
    }
    if (model.isEmpty()) {
      return result(
          span,
          PricingStatus.UNKNOWN_MODEL,
          "the span has token usage but names no model (gen_ai.request.model / gen_ai.response.model)",
          CostBreakdown.ZERO_COST,
          "",
          "",
          tables);
    }
    Resolution r = resolve(tables, tenant, span.provider(), model);
    if (r.entry == null) {
      return result(
          span, PricingStatus.UNKNOWN_MODEL, r.note, CostBreakdown.ZERO_COST, "", "", tables);
    }
    ConditionalPrice cp = r.entry.pricesAt(startInstant(span.startEpochNanos()));
    ModelPrice mp = cp.prices();
    TokenUsage u = span.usage();
    long totalIn = u.totalInput();
    TokenBill bill = new TokenBill(u, mp, oneHourWritesAtTwiceInput(r.entry));
    List<String> notes = bill.notes;
    BigDecimal input = bill.input;
    BigDecimal cacheRead = bill.cacheRead;
    BigDecimal cacheWrite = bill.cacheWrite;
    BigDecimal output = bill.output;
    BigDecimal reasoning = bill.reasoning;
    BigDecimal audio = bill.audio;
    BigDecimal request =
        mp.requestsPerThousand() == null
            ? BigDecimal.ZERO
            : mp.requestsPerThousand().divide(THOUSAND);

    String applied = cp.label();
    if (tierApplies(mp, totalIn)) {
      applied = applied + ", long-context tier (" + totalIn + " input tokens)";
    }
    String tier = span.serviceTier();
    if (!ServiceTiers.isStandard(tier)) {
      BigDecimal m =
          r.override
              ? null
              : tables.serviceTiers().multiplier(r.entry.providerId(), r.entry.id(), tier);
      if (r.override) {
        notes.add("service tier '" + tier + "' ignored: override prices apply");
      } else if (m == null) {
        notes.add("no known price for service tier '" + tier + "'; standard prices used");
      } else {
        input = input.multiply(m);
        cacheRead = cacheRead.multiply(m);
        cacheWrite = cacheWrite.multiply(m);
        output = output.multiply(m);
        reasoning = reasoning.multiply(m);
        audio = audio.multiply(m);
        applied = applied + ", " + tier + " tier ×" + m.stripTrailingZeros().toPlainString();
      }
    }
    CostBreakdown cost =
        new CostBreakdown(
            input, cacheRead, cacheWrite, output, reasoning, audio, request, BigDecimal.ZERO);
    PricingStatus status;
    StringBuilder reason = new StringBuilder();
    if (span.invalidUsage() != null) {
      status = PricingStatus.INVALID_USAGE;
      reason.append(span.invalidUsage()).append("; other classes priced with ");
    } else if (!bill.missing.isEmpty()) {
      status = PricingStatus.PARTIAL;
      reason.append("no price for ").append(String.join(", ", bill.missing)).append(" in ");
    } else {
      status = PricingStatus.PRICED;
      reason.append("priced with ");
    }
    reason.append(r.entry.qualifiedId()).append(" (").append(applied).append(')');
    if (!r.note.isEmpty()) {
      reason.append("; ").append(r.note);
    }
    for (String n : notes) {
      reason.append("; ").append(n);
    }
    return result(span, status, reason.toString(), cost, r.entry.qualifiedId(), applied, tables);
  }

  private static boolean tierApplies(ModelPrice mp, long totalIn) {
    return (mp.input() != null && mp.input().tierApplies(totalIn))
        || (mp.output() != null && mp.output().tierApplies(totalIn));
  }

  /**
   * Whether 1-hour cache writes without their own price cost twice the input rate: Claude on the
   * routes that bill Anthropic's multiplier (Anthropic, Bedrock, Vertex AI, Azure, OpenRouter).
   */
  private static boolean oneHourWritesAtTwiceInput(ModelEntry e) {
    return CLAUDE_ONE_HOUR_AT_TWICE_INPUT.contains(e.providerId())
        && (e.providerId().equals("anthropic") || e.id().contains("claude"));
  }

  private static Instant startInstant(long epochNanos) {
    return epochNanos <= 0
        ? Instant.now()
        : Instant.ofEpochSecond(epochNanos / 1_000_000_000L, epochNanos % 1_000_000_000L);
  }

  private Resolution resolve(PricingTables tables, String tenant, String provider, String model) {
    Resolutions cache = resolutions;
    if (cache == null || cache.tables != tables) {
      cache = new Resolutions(tables);
      resolutions = cache;
    }
    String key = tenant + '\u0001' + provider + '\u0001' + model;
    Resolution r = cache.map.get(key);
    if (r == null) {
      r = lookUp(tables, tenant, provider, model);
      if (cache.map.size() >= cacheSize) {
        cache.map.clear(); // bounded: a flood of distinct model names must not grow memory
      }
      cache.map.put(key, r);
    }
    return r;
  }

  private Resolution lookUp(PricingTables tables, String tenant, String provider, String model) {
    ModelRef ref = identity.resolve(provider, model);
    PriceOverrides.Entry o = tables.overrides().find(tenant, provider, ref.candidates());
    if (o != null) {
      String note =
          "override"
              + (o.tenant().isEmpty() ? "" : " for tenant " + o.tenant())
              + (o.note().isEmpty() ? "" : ": " + o.note());
      return new Resolution(o.model(), note, true);
    }
    PriceCatalog.Match m = tables.catalog().find(ref);
    return new Resolution(m.entry(), m.note(), false);
  }

  private static PricedSpan result(
      NormalizedSpan span,
      PricingStatus status,
      String reason,
      CostBreakdown cost,
      String entry,
      String applied,
      PricingTables tables) {
    return new PricedSpan(span, status, reason, cost, entry, applied, tables.version());
  }

  @Override
  public void close() {
    source.close();
  }

  private record Resolution(ModelEntry entry, String note, boolean override) {}

  private static final class Resolutions {
    final PricingTables tables;
    final Map<String, Resolution> map = new ConcurrentHashMap<>();

    Resolutions(PricingTables tables) {
      this.tables = tables;
    }
  }

  /** Builder for {@link SpanPricer}; every default is here. */
  public static final class Builder {
    static final int DEFAULT_RESOLUTION_CACHE_SIZE = 10_000;

    private PriceCatalogSource source;
    private Map<String, String> azureDeployments = Map.of();
    private int resolutionCacheSize = DEFAULT_RESOLUTION_CACHE_SIZE;

    private Builder() {}

    /** Where prices come from (default: the bundled catalog only). */
    public Builder source(PriceCatalogSource source) {
      this.source = Objects.requireNonNull(source, "source");
      return this;
    }

    /** Azure OpenAI deployment name → model id, since deployment names are the user's own. */
    public Builder azureDeployments(Map<String, String> deployments) {
      this.azureDeployments = Map.copyOf(Objects.requireNonNull(deployments, "azureDeployments"));
      return this;
    }

    /** How many distinct (tenant, provider, model) look-ups are cached. */
    public Builder resolutionCacheSize(int size) {
      if (size < 1) {
        throw new IllegalArgumentException("resolutionCacheSize must be positive");
      }
      this.resolutionCacheSize = size;
      return this;
    }

    public SpanPricer build() {
      return new SpanPricer(this);
    }
  }
}
