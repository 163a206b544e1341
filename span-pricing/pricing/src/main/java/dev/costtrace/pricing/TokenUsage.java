package dev.costtrace.pricing;

/**
 * Token counts in disjoint classes: no token is in two classes, so each is priced once.
 *
 * @param uncachedInput text input tokens neither read from nor written to the cache
 * @param cacheRead input tokens read from the prompt cache
 * @param cacheWrite5m input tokens written to the cache with the default (5-minute) lifetime
 * @param cacheWrite1h input tokens written to the cache with a 1-hour lifetime
 * @param output visible output tokens (reasoning excluded)
 * @param reasoning reasoning ("thinking") output tokens
 * @param audioInput audio input tokens
 * @param audioOutput audio output tokens
 */
public record TokenUsage(
    long uncachedInput,
    long cacheRead,
    long cacheWrite5m,
    long cacheWrite1h,
    long output,
    long reasoning,
    long audioInput,
    long audioOutput) {

  public static final TokenUsage EMPTY = new TokenUsage(0, 0, 0, 0, 0, 0, 0, 0);

  /** Builds usage from OpenTelemetry semantics: input includes cache; output includes reasoning. */
  public static TokenUsage fromOtelTotals(
      long inputTotal, long cacheRead, long cacheWrite, long outputTotal, long reasoning) {
    return new TokenUsage(
        Math.max(0, inputTotal - cacheRead - cacheWrite),
        cacheRead,
        cacheWrite,
        0,
        Math.max(0, outputTotal - reasoning),
        reasoning,
        0,
        0);
  }

  /** All cache writes, whatever their lifetime. */
  public long cacheWrite() {
    return cacheWrite5m + cacheWrite1h;
  }

  /** Every input token: the count long-context tiers are decided on. */
  public long totalInput() {
    return uncachedInput + cacheRead + cacheWrite5m + cacheWrite1h + audioInput;
  }

  /** Every output token, visible, reasoning and audio. */
  public long totalOutput() {
    return output + reasoning + audioOutput;
  }

  public boolean isEmpty() {
    return totalInput() == 0 && totalOutput() == 0;
  }
}
