package dev.costtrace.pricing;

import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Every cost component of one span in USD, exact, at {@link #SCALE} fractional digits.
 *
 * @param input uncached text input
 * @param cacheRead cache reads
 * @param cacheWrite cache writes (5-minute and 1-hour)
 * @param output visible output
 * @param reasoning reasoning output (billed as output by every provider we know)
 * @param audio audio input and output
 * @param request per-request fees
 * @param tool tool-call costs
 */
public record CostBreakdown(
    BigDecimal input,
    BigDecimal cacheRead,
    BigDecimal cacheWrite,
    BigDecimal output,
    BigDecimal reasoning,
    BigDecimal audio,
    BigDecimal request,
    BigDecimal tool) {

  /** Fractional digits kept: matches the sink's Decimal(38, 12). */
  public static final int SCALE = 12;

  private static final BigDecimal ZERO = BigDecimal.ZERO.setScale(SCALE);

  public static final CostBreakdown ZERO_COST =
      new CostBreakdown(ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO, ZERO);

  public CostBreakdown {
    input = scaled(input);
    cacheRead = scaled(cacheRead);
    cacheWrite = scaled(cacheWrite);
    output = scaled(output);
    reasoning = scaled(reasoning);
    audio = scaled(audio);
    request = scaled(request);
    tool = scaled(tool);
  }

  /** The sum of every component. */
  public BigDecimal total() {
    return input
        .add(cacheRead)
        .add(cacheWrite)
        .add(output)
        .add(reasoning)
        .add(audio)
        .add(request)
        .add(tool);
  }

  static BigDecimal scaled(BigDecimal value) {
    if (value == null || value.signum() == 0) {
      return ZERO;
    }
    // Token × per-million price is exact well within 12 digits; rounding only ever trims
    // multiplier artefacts far below a micro-dollar.
    return value.setScale(SCALE, RoundingMode.HALF_EVEN);
  }
}
