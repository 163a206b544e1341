package dev.costtrace.budget;

import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The rules in force: the settings' rule, plus the rules file re-read when it changes (its
 * modification time or size, looked at no more than once per {@link #DEFAULT_CHECK_INTERVAL_NANOS}
 * on the call path). A file that cannot be read or parsed keeps the rules in force and is reported
 * once per change; at start, the error is thrown (fail fast, naming the key).
 */
public final class BudgetRulesSource {
  public static final long DEFAULT_CHECK_INTERVAL_NANOS = 1_000_000_000L;

  private final BudgetRule global;
  private final Path file;
  private final LongSupplier nanoClock;
  private final long checkIntervalNanos;
  private final Consumer<String> warnings;
  private volatile BudgetRules rules;
  private volatile long nextCheckNanos;
  private volatile String stamp;

  private BudgetRulesSource(
      BudgetSettings settings,
      LongSupplier nanoClock,
      long checkIntervalNanos,
      Consumer<String> warnings) {
    this.global = settings.globalRule();
    this.file = settings.rulesFile() == null ? null : Paths.get(settings.rulesFile());
    this.nanoClock = nanoClock;
    this.checkIntervalNanos = checkIntervalNanos;
    this.warnings = warnings;
    if (file == null) {
      this.rules = BudgetRules.of(global);
    } else {
      this.stamp = stamp(file);
      this.rules = load(file, global);
      this.nextCheckNanos = nanoClock.getAsLong() + checkIntervalNanos;
    }
  }

  /** Reads the rules file (if any) now; throws {@link IllegalArgumentException} on a bad one. */
  public static BudgetRulesSource create(BudgetSettings settings, Consumer<String> warnings) {
    return new BudgetRulesSource(
        settings, System::nanoTime, DEFAULT_CHECK_INTERVAL_NANOS, warnings);
  }

  /** With an injected clock and check interval, for tests. */
  public static BudgetRulesSource create(
      BudgetSettings settings,
      LongSupplier nanoClock,
      long checkIntervalNanos,
      Consumer<String> warnings) {
    return new BudgetRulesSource(settings, nanoClock, checkIntervalNanos, warnings);
  }

  /** The rules in force, re-reading the file first when it is due and has changed. */
  public BudgetRules current() {
    if (file != null && nanoClock.getAsLong() - nextCheckNanos >= 0) {
      reloadIfChanged();
    }
    return rules;
  }

  private synchronized void reloadIfChanged() {
    long now = nanoClock.getAsLong();
    if (now - nextCheckNanos < 0) {
      return; // another thread just checked
    }
    nextCheckNanos = now + checkIntervalNanos;
    String s = stamp(file);
    if (s.equals(stamp)) {
      return;
    }
    stamp = s;
    try {
      rules = load(file, global);
    } catch (RuntimeException e) {
      warnings.accept(
          "costtrace budgets: keeping the rules in force, "
              + file
              + " is not usable: "
              + e.getMessage());
    }
  }

  private static String stamp(Path file) {
    try {
      BasicFileAttributes a = Files.readAttributes(file, BasicFileAttributes.class);
      return a.lastModifiedTime().toMillis() + ":" + a.size() + ":" + a.fileKey();
    } catch (IOException e) {
      return "missing";
    }
  }

  static BudgetRules load(Path file, BudgetRule global) {
    Properties p = new Properties();
    try (InputStream in = Files.newInputStream(file);
        Reader r = new InputStreamReader(in, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          BudgetSettings.FILE_KEY + ": cannot read " + file + ": " + e, e);
    }
    try {
      return BudgetRules.parse(p, global);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(file + ": " + e.getMessage(), e);
    }
  }
}
