package dev.costtrace.budget;

/**
 * Prices one call in picodollars with the receiver's catalog and tiers (the agent binds it to
 * span-pricing's {@code SpanPricer}). Token counts follow OpenTelemetry: input includes cache reads
 * and writes, output includes reasoning; 0 where none.
 */
public interface CallPricer {
  /** The model has no price. */
  long UNKNOWN = -1;

  long pricePico(
      String provider,
      String model,
      long inputTokens,
      long cacheReadTokens,
      long cacheCreationTokens,
      long outputTokens,
      long reasoningTokens,
      String serviceTier);
}
