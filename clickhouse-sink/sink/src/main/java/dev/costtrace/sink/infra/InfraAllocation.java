package dev.costtrace.sink.infra;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;

/**
 * How one rule's cost for one hour is split over the traces that used the resource in that hour,
 * exactly. Pure arithmetic on integers of 10^-12 USD: the same use gives the same split, whatever
 * the order it comes in.
 *
 * <p><b>Actual rate.</b> The hour costs C; trace i used u_i units of U in all. Its exact share
 * C·u_i/U is cut to 12 decimals (floor), and the k units of 10^-12 USD that the cuts leave over (k
 * is less than the number of traces) go one each to the k traces with the largest cut-off
 * remainders, ties to the lower (tenant key, trace ID). So the shares add up to C exactly (the
 * largest-remainder method). An hour nobody used keeps its cost as idle (no trace).
 *
 * <p><b>Fixed rate.</b> Trace i pays C·u_i/capacity, rounded half-even to 12 decimals, whatever the
 * others used. The hour's unallocated rest, C minus the traces' shares, is the idle share (trace ID
 * null): unused capacity, or, negative, use past the capacity (the rate then charged more than the
 * hour cost). So the shares, idle included, add up to C exactly here too.
 */
public final class InfraAllocation {

  /** What one trace used in the hour: its units in the rule's unit (seconds may have decimals). */
  public record Use(String authTenant, String traceId, BigDecimal units) {
    public Use {
      Objects.requireNonNull(authTenant, "authTenant");
      Objects.requireNonNull(traceId, "traceId");
      if (units.signum() < 0) {
        throw new IllegalArgumentException("units must be non-negative");
      }
    }
  }

  /** A trace's share of the hour's cost; a trace ID of null is the idle part of the hour. */
  public record Share(String authTenant, String traceId, BigDecimal units, BigDecimal usd) {}

  private static final Comparator<Use> KEY =
      Comparator.comparing(Use::authTenant).thenComparing(Use::traceId);

  private InfraAllocation() {}

  /** Splits the hour's cost {@code hourCost} of {@code rule} over {@code uses}. */
  public static List<Share> split(InfraRule rule, BigDecimal hourCost, List<Use> uses) {
    List<Use> sorted = new ArrayList<>(uses);
    sorted.removeIf(u -> u.units().signum() == 0);
    sorted.sort(KEY);
    for (int i = 1; i < sorted.size(); i++) {
      if (KEY.compare(sorted.get(i - 1), sorted.get(i)) == 0) {
        throw new IllegalArgumentException("trace " + sorted.get(i).traceId() + " given twice");
      }
    }
    return rule.rate() == InfraRule.Rate.FIXED
        ? fixed(rule, hourCost, sorted)
        : actual(hourCost, sorted);
  }

  private static List<Share> fixed(InfraRule rule, BigDecimal hourCost, List<Use> uses) {
    List<Share> out = new ArrayList<>();
    BigDecimal idle = hourCost.setScale(InfraRule.SCALE, RoundingMode.UNNECESSARY);
    for (Use u : uses) {
      BigDecimal usd =
          hourCost
              .multiply(u.units())
              .divide(rule.capacity(), InfraRule.SCALE, RoundingMode.HALF_EVEN);
      out.add(new Share(u.authTenant(), u.traceId(), u.units(), usd));
      idle = idle.subtract(usd);
    }
    if (idle.signum() != 0 || uses.isEmpty()) {
      out.add(new Share("", null, BigDecimal.ZERO, idle));
    }
    return out;
  }

  /** The idle share of {@code shares} (trace ID null), zero when there is none. */
  public static BigDecimal idle(List<Share> shares) {
    BigDecimal idle = BigDecimal.ZERO.setScale(InfraRule.SCALE);
    for (Share s : shares) {
      if (s.traceId() == null) {
        idle = idle.add(s.usd());
      }
    }
    return idle;
  }

  private static List<Share> actual(BigDecimal hourCost, List<Use> uses) {
    BigInteger cost = hourCost.setScale(InfraRule.SCALE, RoundingMode.UNNECESSARY).unscaledValue();
    if (uses.isEmpty()) {
      return List.of(new Share("", null, BigDecimal.ZERO, hourCost.setScale(InfraRule.SCALE)));
    }
    // Units as integers: scaled to the finest scale any use has, so u_i / U is exact.
    int scale =
        uses.stream()
            .mapToInt(u -> Math.max(0, u.units().stripTrailingZeros().scale()))
            .max()
            .orElse(0);
    BigInteger[] units = new BigInteger[uses.size()];
    BigInteger total = BigInteger.ZERO;
    for (int i = 0; i < units.length; i++) {
      units[i] = uses.get(i).units().setScale(scale, RoundingMode.UNNECESSARY).unscaledValue();
      total = total.add(units[i]);
    }
    BigInteger[] floor = new BigInteger[units.length];
    BigInteger[] remainder = new BigInteger[units.length];
    BigInteger given = BigInteger.ZERO;
    for (int i = 0; i < units.length; i++) {
      BigInteger[] qr = cost.multiply(units[i]).divideAndRemainder(total);
      floor[i] = qr[0];
      remainder[i] = qr[1];
      given = given.add(qr[0]);
    }
    int left = cost.subtract(given).intValueExact(); // fewer than the number of traces
    Integer[] order = new Integer[units.length];
    for (int i = 0; i < order.length; i++) {
      order[i] = i;
    }
    // Largest remainder first; ties keep the key order (the sort is stable).
    Arrays.sort(order, (a, b) -> remainder[b].compareTo(remainder[a]));
    for (int j = 0; j < left; j++) {
      floor[order[j]] = floor[order[j]].add(BigInteger.ONE);
    }
    List<Share> out = new ArrayList<>();
    for (int i = 0; i < units.length; i++) {
      Use u = uses.get(i);
      out.add(
          new Share(
              u.authTenant(), u.traceId(), u.units(), new BigDecimal(floor[i], InfraRule.SCALE)));
    }
    return out;
  }
}
