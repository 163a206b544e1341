package dev.costtrace.budget;

import java.math.BigDecimal;
import java.math.RoundingMode;

/** USD as integer picodollars (12 decimal places, the pricer's scale): exact and cheap to add. */
public final class Money {
  /** Decimal places of a picodollar amount. */
  public static final int SCALE = 12;

  private Money() {}

  /** {@code usd} in picodollars, rounded up past the 12th place (a limit is never loosened). */
  public static long toPico(BigDecimal usd) {
    return usd.setScale(SCALE, RoundingMode.CEILING).unscaledValue().longValueExact();
  }

  /** Picodollars as USD, trailing zeros stripped ({@code 0} stays {@code 0}). */
  public static BigDecimal toUsd(long pico) {
    BigDecimal v = BigDecimal.valueOf(pico, SCALE).stripTrailingZeros();
    return v.signum() == 0 ? BigDecimal.ZERO : v;
  }

  static BigDecimal parseUsd(String key, String value) {
    BigDecimal v;
    try {
      v = new BigDecimal(value.trim().startsWith("$") ? value.trim().substring(1) : value.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + ": not a USD amount: '" + value + "'");
    }
    if (v.signum() < 0) {
      throw new IllegalArgumentException(key + ": must not be negative: '" + value + "'");
    }
    return v;
  }
}
