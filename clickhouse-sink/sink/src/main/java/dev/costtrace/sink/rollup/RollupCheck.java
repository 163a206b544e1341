package dev.costtrace.sink.rollup;

import com.clickhouse.client.api.Client;
import dev.costtrace.config.Config;
import dev.costtrace.sink.PeriodicTask;
import dev.costtrace.sink.schema.SchemaOptions;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.logging.Logger;

/**
 * The receiver's background check of the rollups: every {@code interval}, {@link RollupVerifier}
 * over the recent {@code window}. A rollup can differ for a moment while its batch is in flight
 * (its spans in, its recomputation not yet), so a difference counts only if it is still there after
 * the sink has written everything it had accepted when the check began ({@code settle}). Counts
 * what it found for {@code /metrics}, logs it, and with {@code repair} recomputes it.
 */
public final class RollupCheck implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(RollupCheck.class.getName());

  private final RollupVerifier verifier;
  private final Duration window;
  private final Duration interval;
  private final boolean repair;
  private final BooleanSupplier settle;
  private final PeriodicTask task;
  private final Client client;
  private final boolean ownsClient;
  private final AtomicLong checks = new AtomicLong();
  private final AtomicLong differencesTotal = new AtomicLong();
  private final AtomicLong repaired = new AtomicLong();
  private volatile long lastDifferences;
  private volatile long lastMillis;

  /**
   * What the check has found so far.
   *
   * @param checks checks completed
   * @param failures checks that could not run (ClickHouse unreachable, ...)
   * @param lastDifferences rollups that differed from their recomputation in the last check
   * @param differencesTotal the same, summed over every check
   * @param repaired rollups recomputed by the check
   * @param lastMillis how long the last check took
   */
  public record Status(
      long checks,
      long failures,
      long lastDifferences,
      long differencesTotal,
      long repaired,
      long lastMillis) {}

  private RollupCheck(Builder b) {
    this.verifier = new RollupVerifier(b.client, b.schema);
    this.client = b.client;
    this.ownsClient = b.ownsClient;
    this.window = b.window;
    this.interval = b.interval;
    this.repair = b.repair;
    this.settle = b.settle;
    this.task = new PeriodicTask("rollup check", this::runOnce);
  }

  public static Builder builder(SchemaOptions schema) {
    return new Builder(schema);
  }

  /** Starts checking every interval (the first check after one interval). */
  public RollupCheck start() {
    task.start(interval, interval);
    return this;
  }

  public Status status() {
    return new Status(
        checks.get(),
        task.failures(),
        lastDifferences,
        differencesTotal.get(),
        repaired.get(),
        lastMillis);
  }

  /** One check now, on the caller's thread; returns the differences that persisted. */
  public List<RollupVerifier.Difference> runOnce() {
    long started = System.nanoTime();
    RollupVerifier.Report first = verifier.verify(window);
    List<RollupVerifier.Difference> persisting = List.of();
    if (!first.clean()) {
      settle.getAsBoolean();
      Set<String> before = new HashSet<>();
      for (RollupVerifier.Difference d : first.differences()) {
        before.add(d.kind() + "/" + d.authTenant() + "/" + d.id());
      }
      RollupVerifier.Report second = verifier.verify(window);
      persisting =
          second.differences().stream()
              .filter(d -> before.contains(d.kind() + "/" + d.authTenant() + "/" + d.id()))
              .toList();
      if (!persisting.isEmpty()) {
        LOG.warning(
            persisting.size()
                + " rollup(s) differ from a recomputation from the stored spans"
                + (repair ? " (repairing)" : "")
                + "; first: "
                + persisting.get(0));
        if (repair) {
          verifier.repair(
              new RollupVerifier.Report(second.traces(), second.conversations(), persisting));
          repaired.addAndGet(persisting.size());
        }
      }
    }
    lastDifferences = persisting.size();
    differencesTotal.addAndGet(persisting.size());
    lastMillis = (System.nanoTime() - started) / 1_000_000;
    checks.incrementAndGet();
    return persisting;
  }

  @Override
  public void close() {
    task.close();
    if (ownsClient) {
      client.close();
    }
  }

  /** Builder for {@link RollupCheck}; every default is here. */
  public static final class Builder {
    static final Duration DEFAULT_INTERVAL = Duration.ofMinutes(5);
    static final Duration DEFAULT_WINDOW = Duration.ofHours(1);

    private final SchemaOptions schema;
    private Client client;
    private Duration interval = DEFAULT_INTERVAL;
    private Duration window = DEFAULT_WINDOW;
    private boolean repair;
    private BooleanSupplier settle = () -> true;
    private boolean ownsClient;

    private Builder(SchemaOptions schema) {
      this.schema = Objects.requireNonNull(schema, "schema");
    }

    /**
     * {@code costtrace.rollup.check.interval} (default 5m; 0 turns the check off, see {@link
     * #enabled}), {@code .window} (1h), {@code .repair} (false).
     */
    public Builder fromConfig(Config config) {
      config.getDuration("costtrace.rollup.check.interval").ifPresent(d -> interval = d);
      config.getDuration("costtrace.rollup.check.window").ifPresent(this::window);
      config.getBoolean("costtrace.rollup.check.repair").ifPresent(this::repair);
      if (interval.isNegative()) {
        throw Config.invalid(
            "costtrace.rollup.check.interval", interval.toString(), "expected 0 or more");
      }
      return this;
    }

    public Builder interval(Duration interval) {
      if (interval.isNegative() || interval.isZero()) {
        throw new IllegalArgumentException("interval must be positive");
      }
      this.interval = interval;
      return this;
    }

    public Builder window(Duration window) {
      if (window.isNegative() || window.isZero()) {
        throw new IllegalArgumentException("window must be positive");
      }
      this.window = window;
      return this;
    }

    /** Recompute the rollups that differ (default false: count and log them only). */
    public Builder repair(boolean repair) {
      this.repair = repair;
      return this;
    }

    /** Waits until what the sink had accepted is written, before a difference is counted. */
    public Builder settle(BooleanSupplier settle) {
      this.settle = Objects.requireNonNull(settle, "settle");
      return this;
    }

    /** The client-v2 client; {@code owns}: close it with the check. */
    public Builder client(Client client, boolean owns) {
      this.client = Objects.requireNonNull(client, "client");
      this.ownsClient = owns;
      return this;
    }

    /** Whether the configured interval asks for a check at all. */
    public boolean enabled() {
      return !interval.isZero();
    }

    public RollupCheck build() {
      Objects.requireNonNull(client, "client");
      return new RollupCheck(this);
    }
  }
}
