package dev.costtrace.sink.infra;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.YearMonth;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Objects;

/**
 * One shared cost (a GPU inference server, a vector database, orchestration) and how it is
 * allocated to the traces, and so the conversations, that use it.
 *
 * @param name shown as {@code infra:<name>} beside the models and tools of a conversation
 * @param match which stored spans use it
 * @param monthlyUsd the cost per calendar month, or null when {@code hourlyUsd} is given
 * @param hourlyUsd the cost per hour, or null when {@code monthlyUsd} is given
 * @param unit what a trace's use is measured in
 * @param rate how an hour's cost becomes an amount per unit
 * @param capacityPerHour with {@link Rate#FIXED}: the units an hour's cost buys
 */
public record InfraRule(
    String name,
    Match match,
    BigDecimal monthlyUsd,
    BigDecimal hourlyUsd,
    Unit unit,
    Rate rate,
    BigDecimal capacityPerHour) {
  /** Amounts have the rollups' 12 fractional digits. */
  public static final int SCALE = 12;

  /**
   * A span's seconds are counted in the hours that start within this of its start (per second): so
   * that a read of the use of some hours, and the rollups' read of a trace's allocations, stays a
   * read of those hours plus this.
   */
  public static final java.time.Duration USE_WITHIN = java.time.Duration.ofHours(6);

  /** Seconds in an hour: the capacity of one fully busy server, the default for per-second use. */
  public static final BigDecimal SECONDS_PER_HOUR = BigDecimal.valueOf(3600);

  /** What a trace's use is measured in. */
  public enum Unit {
    /** The duration of its matching spans, in seconds (nanosecond precision). */
    PER_SECOND,
    /** Its matching spans, one each. */
    PER_CALL,
    /**
     * One per conversation and hour, on the conversation's first trace in the hour that used it.
     */
    PER_CONVERSATION
  }

  /** How an hour's cost becomes an amount per unit. */
  public enum Rate {
    /**
     * The hour's cost split over the hour's actual use, in proportion: what is allocated adds up
     * exactly to what was spent (an hour nobody used is idle).
     */
    ACTUAL,
    /** The hour's cost over a fixed capacity per hour: unused capacity is allocated to nobody. */
    FIXED
  }

  /**
   * Which spans use the resource: every field given must equal the span's (service name, provider,
   * the model it answered with or else the one requested, tool name); null matches any.
   */
  public record Match(String service, String provider, String model, String tool) {
    public boolean matches(
        String spanService, String spanProvider, String spanModel, String spanTool) {
      return (service == null || service.equals(spanService))
          && (provider == null || provider.equals(spanProvider))
          && (model == null || model.equals(spanModel))
          && (tool == null || tool.equals(spanTool));
    }
  }

  public InfraRule {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(match, "match");
    Objects.requireNonNull(unit, "unit");
    Objects.requireNonNull(rate, "rate");
    if ((monthlyUsd == null) == (hourlyUsd == null)) {
      throw new IllegalArgumentException("give one of monthly_usd and hourly_usd");
    }
  }

  /**
   * What the hour starting at {@code hour} (a whole UTC hour) costs, exact at 12 decimals: the
   * hourly cost, or the monthly cost split over the hours of its month so that they add up to it
   * exactly (the division's remainder, in units of 10^-12 USD, goes one each to the month's first
   * hours).
   */
  public BigDecimal hourCost(Instant hour) {
    if (!hour.truncatedTo(ChronoUnit.HOURS).equals(hour)) {
      throw new IllegalArgumentException("not the start of an hour: " + hour);
    }
    if (hourlyUsd != null) {
      return hourlyUsd.setScale(SCALE);
    }
    ZonedDateTime at = hour.atZone(ZoneOffset.UTC);
    YearMonth month = YearMonth.from(at);
    long hours = month.lengthOfMonth() * 24L;
    long index = (at.getDayOfMonth() - 1) * 24L + at.getHour();
    BigInteger units = monthlyUsd.setScale(SCALE).unscaledValue();
    BigInteger[] split = units.divideAndRemainder(BigInteger.valueOf(hours));
    BigInteger share =
        split[0].add(
            BigInteger.valueOf(index).compareTo(split[1]) < 0 ? BigInteger.ONE : BigInteger.ZERO);
    return new BigDecimal(share, SCALE);
  }

  /** The units the hour's cost buys with {@link Rate#FIXED}. */
  public BigDecimal capacity() {
    if (capacityPerHour != null) {
      return capacityPerHour;
    }
    if (unit == Unit.PER_SECOND) {
      return SECONDS_PER_HOUR;
    }
    throw new IllegalStateException(
        "rule " + name + ": a fixed rate per call or conversation needs capacity_per_hour");
  }
}
