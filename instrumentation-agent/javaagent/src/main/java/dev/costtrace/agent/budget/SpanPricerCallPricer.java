package dev.costtrace.agent.budget;

import dev.costtrace.budget.CallPricer;
import dev.costtrace.budget.Money;
import dev.costtrace.config.Config;
import dev.costtrace.pricing.PricedSpan;
import dev.costtrace.pricing.PricingStatus;
import dev.costtrace.pricing.SpanPricer;
import dev.costtrace.pricing.TokenUsage;
import dev.costtrace.pricing.normalize.NormalizedSpan;

/**
 * Prices a call with span-pricing's {@link SpanPricer}: the receiver's catalog, tiers, overrides
 * ({@code COSTTRACE_PRICES}, {@code COSTTRACE_PRICES_OVERRIDES}) and model normalisation, so an
 * estimate and a settled call cost exactly what the receiver will say. span-pricing is Java 17:
 * this class is compiled for 17 and only loaded, by name, on a Java 17+ runtime.
 */
public final class SpanPricerCallPricer implements CallPricer {
  private final SpanPricer pricer;

  SpanPricerCallPricer(SpanPricer pricer) {
    this.pricer = pricer;
  }

  /** From the process's settings, as the receiver reads them. */
  public static CallPricer fromEnvironment() {
    return new SpanPricerCallPricer(SpanPricer.fromConfig(Config.fromEnvironment()));
  }

  @Override
  public long pricePico(
      String provider,
      String model,
      long inputTokens,
      long cacheReadTokens,
      long cacheCreationTokens,
      long outputTokens,
      long reasoningTokens,
      String serviceTier) {
    if (model == null) {
      return UNKNOWN;
    }
    NormalizedSpan span =
        NormalizedSpan.llmCall(
            provider == null ? "" : provider,
            model,
            serviceTier,
            TokenUsage.fromOtelTotals(
                inputTokens, cacheReadTokens, cacheCreationTokens, outputTokens, reasoningTokens),
            System.currentTimeMillis() * 1_000_000L);
    PricedSpan priced = pricer.price(span, "");
    if (priced.status() != PricingStatus.PRICED) {
      return UNKNOWN;
    }
    return Money.toPico(priced.total());
  }
}
