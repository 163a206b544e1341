package dev.costtrace.receiver.metrics;

import dev.costtrace.sink.report.ConversationCosts;
import dev.costtrace.sink.report.ConversationCosts.Conversation;
import dev.costtrace.sink.report.ConversationCosts.Page;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * A histogram of what conversations cost once they have gone quiet ({@link Builder#quietAfter}, 30
 * minutes without a span, by default), for alerts such as "more than 1 % of conversations over $2
 * this hour".
 *
 * <p>Read from the exact rollups, not from what this receiver saw: a conversation's traces may have
 * gone to other receivers (load balancing is by trace), and its attribution may have come late.
 * Every {@link Builder#interval} a sweep asks ClickHouse for the conversations whose last span
 * ended in {@code [watermark, now - quietAfter)} and observes each one's total once, then moves the
 * watermark; a failed sweep keeps the watermark and is retried by the next. The first watermark is
 * the receiver's start minus the quiet time: conversations that went quiet earlier are not
 * observed. A conversation that resumes after going quiet is observed again, with its new total,
 * when it goes quiet again; spans arriving more than the quiet time late are not.
 *
 * <p>Every receiver that sweeps observes every conversation: with several receivers, sweep on one
 * ({@code COSTTRACE_METRICS_QUIET_ENABLED=false} on the others), or aggregate with {@code max}.
 */
public final class QuietConversations implements MetricsSource, AutoCloseable {
  private static final Logger LOG = Logger.getLogger(QuietConversations.class.getName());

  /** Bucket upper bounds in USD: 1-2.5-5 steps from a tenth of a cent to $100. */
  static final double[] BOUNDS = {
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100
  };

  private static final BigDecimal[] EXACT_BOUNDS = new BigDecimal[BOUNDS.length];
  private static final int PAGE = 500;

  static {
    for (int i = 0; i < BOUNDS.length; i++) {
      EXACT_BOUNDS[i] = new BigDecimal(Double.toString(BOUNDS[i]));
    }
  }

  private final ConversationCosts costs;
  private final Duration quietAfter;
  private final Duration interval;
  private final Clock clock;
  private final long[] counts = new long[BOUNDS.length + 1];
  private BigDecimal sum = BigDecimal.ZERO;
  private long failedSweeps;
  private Instant watermark;
  private ScheduledExecutorService scheduler;

  private QuietConversations(Builder b) {
    this.costs = b.costs;
    this.quietAfter = b.quietAfter;
    this.interval = b.interval;
    this.clock = b.clock;
    this.watermark = clock.instant().minus(quietAfter);
  }

  public static Builder builder(ConversationCosts costs) {
    return new Builder(costs);
  }

  /**
   * Observes the conversations that went quiet since the last sweep; returns how many. Throws (and
   * keeps the watermark) when ClickHouse cannot answer.
   */
  public synchronized int sweep() {
    Instant until = clock.instant().minus(quietAfter);
    if (!until.isAfter(watermark)) {
      return 0;
    }
    ConversationCosts.Window window = new ConversationCosts.Window(watermark, until);
    ConversationCosts.Filter all = ConversationCosts.Filter.scoped("");
    long[] found = new long[counts.length];
    BigDecimal foundSum = BigDecimal.ZERO;
    int n = 0;
    ConversationCosts.Position after = null;
    do {
      Page page = costs.conversations(all, window, after, PAGE);
      for (Conversation c : page.conversations()) {
        found[bucket(c.totalUsd())]++;
        foundSum = foundSum.add(c.totalUsd());
        n++;
      }
      after = page.next();
    } while (after != null);
    // Counted only once the whole sweep read: a failure part-way observes nothing twice.
    for (int i = 0; i < counts.length; i++) {
      counts[i] += found[i];
    }
    sum = sum.add(foundSum);
    watermark = until;
    return n;
  }

  static int bucket(BigDecimal usd) {
    for (int i = 0; i < EXACT_BOUNDS.length; i++) {
      if (usd.compareTo(EXACT_BOUNDS[i]) <= 0) {
        return i;
      }
    }
    return EXACT_BOUNDS.length;
  }

  /** Sweeps every interval on a daemon thread until closed. */
  public synchronized QuietConversations start() {
    if (scheduler == null) {
      scheduler =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "costtrace-quiet-conversations");
                t.setDaemon(true);
                return t;
              });
      scheduler.scheduleWithFixedDelay(
          this::sweepQuietly, interval.toMillis(), interval.toMillis(), TimeUnit.MILLISECONDS);
    }
    return this;
  }

  private void sweepQuietly() {
    try {
      sweep();
    } catch (RuntimeException e) {
      synchronized (this) {
        failedSweeps++;
      }
      LOG.log(
          Level.WARNING,
          "quiet-conversation sweep failed; the next one retries: " + e.getMessage(),
          e);
    }
  }

  @Override
  public void writeTo(PrometheusText out) {
    long[] snapshot;
    double total;
    long failed;
    synchronized (this) {
      snapshot = counts.clone();
      total = sum.doubleValue();
      failed = failedSweeps;
    }
    out.histogram(
            "costtrace_quiet_conversation_cost_usd",
            "What a conversation cost, observed once it has had no span for "
                + quietAfter.toMinutes()
                + " minutes (read from the rollups).",
            BOUNDS,
            snapshot,
            total)
        .counter(
            "costtrace_quiet_conversation_sweeps_failed_total",
            "Sweeps for quiet conversations that ClickHouse could not answer (retried).",
            failed);
  }

  @Override
  public synchronized void close() {
    if (scheduler != null) {
      scheduler.shutdownNow();
      scheduler = null;
    }
  }

  /** Builder for {@link QuietConversations}; every default is here. */
  public static final class Builder {
    public static final Duration DEFAULT_QUIET_AFTER = Duration.ofMinutes(30);
    public static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(1);

    private final ConversationCosts costs;
    private Duration quietAfter = DEFAULT_QUIET_AFTER;
    private Duration interval = DEFAULT_INTERVAL;
    private Clock clock = Clock.systemUTC();

    private Builder(ConversationCosts costs) {
      this.costs = Objects.requireNonNull(costs, "costs");
    }

    /** How long without a span before a conversation counts as quiet. */
    public Builder quietAfter(Duration quietAfter) {
      if (quietAfter.isNegative() || quietAfter.isZero()) {
        throw new IllegalArgumentException("quietAfter must be positive");
      }
      this.quietAfter = quietAfter;
      return this;
    }

    /** How often to sweep. */
    public Builder interval(Duration interval) {
      if (interval.toMillis() < 1) {
        throw new IllegalArgumentException("interval must be at least 1ms");
      }
      this.interval = interval;
      return this;
    }

    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Starts with the watermark at the clock's now minus the quiet time. */
    public QuietConversations build() {
      return new QuietConversations(this);
    }
  }
}
