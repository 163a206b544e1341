package dev.costtrace.pricing;

import dev.costtrace.pricing.normalize.NormalizedSpan;
import java.math.BigDecimal;

/**
 * A span's cost with its provenance.
 *
 * @param span what the span said, normalised
 * @param status what could be priced
 * @param reason human-readable: which entry and prices were used, or why not
 * @param cost every component, USD
 * @param priceEntry catalog entry used ({@code openai/gpt-4o}, {@code override/…}, {@code
 *     tool/web_search}), or empty
 * @param pricesApplied which of the entry's prices applied ({@code base}, {@code from 2025-03-01},
 *     long-context tier...), or empty
 * @param catalogVersion version of the price tables used
 */
public record PricedSpan(
    NormalizedSpan span,
    PricingStatus status,
    String reason,
    CostBreakdown cost,
    String priceEntry,
    String pricesApplied,
    String catalogVersion) {

  /** The total in USD, at {@link CostBreakdown#SCALE} fractional digits. */
  public BigDecimal total() {
    return cost.total();
  }

  /** Whether the span is an LLM or tool span, i.e. belongs in the cost tables. */
  public boolean isApplicable() {
    return status != PricingStatus.NOT_APPLICABLE;
  }

  /**
   * The provider: as the span named it, else that of the catalog entry that priced it (a span that
   * named only {@code gpt-4o} is priced as OpenAI's). Empty when neither says.
   */
  public String provider() {
    if (!span.provider().isEmpty()) {
      return span.provider();
    }
    int slash = priceEntry.indexOf('/');
    boolean catalogEntry = !priceEntry.startsWith("tool/") && !priceEntry.startsWith("override/");
    return slash > 0 && catalogEntry ? priceEntry.substring(0, slash) : "";
  }

  /** The cost the span itself carried (OpenLIT and others), or null. */
  public BigDecimal providedCost() {
    return span.providedCost();
  }
}
