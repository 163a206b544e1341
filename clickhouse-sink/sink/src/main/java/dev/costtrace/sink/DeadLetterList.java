package dev.costtrace.sink;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What the dead letters of a buffer directory hold ({@code costtrace dead-letter list}), per file.
 */
public final class DeadLetterList {
  private static final Pattern CODE = Pattern.compile("Code: (\\d+)");
  private static final Pattern NAME = Pattern.compile("\\(([A-Z][A-Z0-9_]{2,})\\)");

  private DeadLetterList() {}

  /**
   * One file.
   *
   * @param spans span rows in it; {@code observations}: attribution observations
   * @param reasons entries per reason (ClickHouse's error name and code, else the reason's start)
   * @param firstRejected / lastRejected when the first and last were set aside (null when empty)
   * @param firstStart / lastStart the spans' start times
   * @param totalCost the span rows' cost, as priced
   * @param unreadable lines that could not be read
   */
  public record FileSummary(
      Path file,
      int spans,
      int observations,
      Map<String, Integer> reasons,
      Instant firstRejected,
      Instant lastRejected,
      Instant firstStart,
      Instant lastStart,
      BigDecimal totalCost,
      int unreadable) {
    public int entries() {
      return spans + observations;
    }
  }

  public static List<FileSummary> list(Path dir) throws IOException {
    List<FileSummary> out = new ArrayList<>();
    for (Path file : new DeadLetterStore(dir).files()) {
      DeadLetterStore.FileEntries read = DeadLetterStore.read(file);
      int spans = 0;
      int observations = 0;
      Map<String, Integer> reasons = new LinkedHashMap<>();
      Instant firstRejected = null;
      Instant lastRejected = null;
      long firstStart = Long.MAX_VALUE;
      long lastStart = Long.MIN_VALUE;
      BigDecimal cost = BigDecimal.ZERO;
      for (DeadLetterStore.Entry e : read.entries()) {
        if (e.kind().equals("observation")) {
          observations++;
        } else {
          spans++;
          if (e.totalCost() != null) {
            cost = cost.add(e.totalCost());
          }
        }
        reasons.merge(shortReason(e.reason()), 1, Integer::sum);
        firstRejected =
            firstRejected == null || e.rejectedAt().isBefore(firstRejected)
                ? e.rejectedAt()
                : firstRejected;
        lastRejected =
            lastRejected == null || e.rejectedAt().isAfter(lastRejected)
                ? e.rejectedAt()
                : lastRejected;
        firstStart = Math.min(firstStart, e.startEpochNanos());
        lastStart = Math.max(lastStart, e.startEpochNanos());
      }
      out.add(
          new FileSummary(
              file,
              spans,
              observations,
              reasons,
              firstRejected,
              lastRejected,
              firstStart == Long.MAX_VALUE ? null : instant(firstStart),
              lastStart == Long.MIN_VALUE ? null : instant(lastStart),
              cost,
              read.unreadable()));
    }
    return out;
  }

  private static Instant instant(long nanos) {
    return Instant.ofEpochSecond(
        Math.floorDiv(nanos, 1_000_000_000L), Math.floorMod(nanos, 1_000_000_000L));
  }

  /** A reason to group by: {@code TOO_MANY_PARTS (252)} for a ClickHouse error, else its start. */
  public static String shortReason(String reason) {
    Matcher code = CODE.matcher(reason);
    if (code.find()) {
      Matcher name = NAME.matcher(reason);
      return name.find() ? name.group(1) + " (" + code.group(1) + ")" : "code " + code.group(1);
    }
    return reason.length() <= 60 ? reason : reason.substring(0, 57) + "...";
  }
}
