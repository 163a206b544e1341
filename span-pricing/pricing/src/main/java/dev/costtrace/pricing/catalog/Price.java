package dev.costtrace.pricing.catalog;

import java.math.BigDecimal;
import java.util.List;

/**
 * A price in USD per million tokens: flat, or tiered with cliff semantics (once the request's total
 * input tokens exceed a tier's start, that tier's rate applies to all tokens of the class).
 *
 * @param base the rate below the first tier
 * @param tiers ascending by start; empty for a flat price
 */
public record Price(BigDecimal base, List<Tier> tiers) {

  public Price {
    tiers = List.copyOf(tiers);
  }

  public static Price flat(BigDecimal perMillion) {
    return new Price(perMillion, List.of());
  }

  /** The per-million rate for a request with {@code totalInputTokens} input tokens. */
  public BigDecimal rate(long totalInputTokens) {
    BigDecimal rate = base;
    for (int i = 0, n = tiers.size(); i < n; i++) {
      Tier t = tiers.get(i);
      if (totalInputTokens > t.start()) {
        rate = t.price();
      }
    }
    return rate;
  }

  /** Whether a tier above the base applies to this many input tokens. */
  public boolean tierApplies(long totalInputTokens) {
    return !tiers.isEmpty() && totalInputTokens > tiers.get(0).start();
  }

  /**
   * A price tier.
   *
   * @param start input-token threshold: the tier applies above it
   * @param price USD per million tokens
   */
  public record Tier(long start, BigDecimal price) {}
}
