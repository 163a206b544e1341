package dev.costtrace.budget;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * The budget settings, OpenTelemetry style ({@code costtrace.budget.conversation.cap.usd} == {@code
 * COSTTRACE_BUDGET_CONVERSATION_CAP_USD}), read from any key lookup: the agent's ConfigProperties,
 * the receiver's Config, a rules file. A bad value throws {@link IllegalArgumentException} naming
 * the key. Defaults live here, once.
 */
public final class BudgetSettings {
  public static final String PREFIX = "costtrace.budget.";
  public static final String WARN_USD = "conversation.warn.usd";
  public static final String CAP_USD = "conversation.cap.usd";
  public static final String MAX_LLM_CALLS = "conversation.max.llm.calls";
  public static final String CALL_MAX_TOKENS = "call.max.tokens";
  public static final String ACTION = "action";
  public static final String DOWNGRADE = "downgrade";

  /** {@code COSTTRACE_BUDGETS_FILE}: rules scoped by tenant, feature and service. */
  public static final String FILE_KEY = "costtrace.budgets.file";

  /** {@code allow} (default) or {@code block}: a call whose model has no price. */
  public static final String UNPRICED_KEY = PREFIX + "unpriced.model";

  /** {@code open} (default) or {@code closed}: when the spend cannot be known. */
  public static final String FAIL_KEY = PREFIX + "fail";

  /** Receiver base URL for cross-process spend; default: the OTLP HTTP endpoint's host and port. */
  public static final String ENDPOINT_KEY = PREFIX + "endpoint";

  /** How long the receiver's answer for one conversation is reused. */
  public static final String REMOTE_CACHE_KEY = PREFIX + "remote.cache";

  /** How long one look-up may take (connect, then read) before the spend counts as unknown. */
  public static final String REMOTE_TIMEOUT_KEY = PREFIX + "remote.timeout";

  /** Output tokens assumed for a request that sets no maximum. */
  public static final String DEFAULT_MAX_OUTPUT_KEY = PREFIX + "default.max.output.tokens";

  /** {@code false} turns the remote spend look-up off (this process's ledger only). */
  public static final String REMOTE_ENABLED_KEY = PREFIX + "remote.enabled";

  public static final long DEFAULT_REMOTE_CACHE_MILLIS = 2000;
  public static final long DEFAULT_MAX_OUTPUT_TOKENS = 1024;
  public static final long DEFAULT_REMOTE_TIMEOUT_MILLIS = 1000;

  private final BudgetRule globalRule;
  private final String rulesFile;
  private final boolean blockUnpriced;
  private final boolean failClosed;
  private final String endpoint;
  private final boolean remoteEnabled;
  private final long remoteCacheMillis;
  private final long remoteTimeoutMillis;
  private final long defaultMaxOutputTokens;

  private BudgetSettings(Function<String, String> lookup) {
    this.globalRule = rule(lookup, PREFIX, BudgetRule.builder()).build();
    this.rulesFile = trimmed(lookup.apply(FILE_KEY));
    this.blockUnpriced = choice(lookup, UNPRICED_KEY, "allow", "block");
    this.failClosed = choice(lookup, FAIL_KEY, "open", "closed");
    this.endpoint = trimmed(lookup.apply(ENDPOINT_KEY));
    this.remoteEnabled = !"false".equalsIgnoreCase(trimmed(lookup.apply(REMOTE_ENABLED_KEY)));
    this.remoteCacheMillis =
        millis(REMOTE_CACHE_KEY, lookup.apply(REMOTE_CACHE_KEY), DEFAULT_REMOTE_CACHE_MILLIS);
    this.remoteTimeoutMillis =
        millis(REMOTE_TIMEOUT_KEY, lookup.apply(REMOTE_TIMEOUT_KEY), DEFAULT_REMOTE_TIMEOUT_MILLIS);
    Long maxOut = count(DEFAULT_MAX_OUTPUT_KEY, lookup.apply(DEFAULT_MAX_OUTPUT_KEY));
    this.defaultMaxOutputTokens = maxOut == null ? DEFAULT_MAX_OUTPUT_TOKENS : maxOut;
  }

  /** Reads every setting through {@code lookup} (property-style key → value, null when unset). */
  public static BudgetSettings from(Function<String, String> lookup) {
    return new BudgetSettings(lookup);
  }

  /**
   * The rule from the {@code costtrace.budget.*} settings: applies where no file rule is more
   * specific.
   */
  public BudgetRule globalRule() {
    return globalRule;
  }

  /** The rules file, or null. */
  public String rulesFile() {
    return rulesFile;
  }

  /** Whether anything is configured at all (a limit or a rules file). */
  public boolean enabled() {
    return globalRule.hasLimits() || rulesFile != null;
  }

  public boolean blockUnpriced() {
    return blockUnpriced;
  }

  public boolean failClosed() {
    return failClosed;
  }

  /** The configured receiver endpoint, or null (then derived from the OTLP endpoint). */
  public String endpoint() {
    return endpoint;
  }

  public boolean remoteEnabled() {
    return remoteEnabled;
  }

  public long remoteCacheMillis() {
    return remoteCacheMillis;
  }

  public long remoteTimeoutMillis() {
    return remoteTimeoutMillis;
  }

  public long defaultMaxOutputTokens() {
    return defaultMaxOutputTokens;
  }

  /**
   * The limits under {@code prefix} ({@code costtrace.budget.} or a file rule's {@code rule.N.}).
   */
  static BudgetRule.Builder rule(
      Function<String, String> lookup, String prefix, BudgetRule.Builder b) {
    String warn = trimmed(lookup.apply(prefix + WARN_USD));
    if (warn != null) {
      b.warnUsd(Money.parseUsd(prefix + WARN_USD, warn));
    }
    String cap = trimmed(lookup.apply(prefix + CAP_USD));
    if (cap != null) {
      b.capUsd(Money.parseUsd(prefix + CAP_USD, cap));
    }
    b.maxLlmCalls(count(prefix + MAX_LLM_CALLS, lookup.apply(prefix + MAX_LLM_CALLS)));
    b.callMaxTokens(count(prefix + CALL_MAX_TOKENS, lookup.apply(prefix + CALL_MAX_TOKENS)));
    String action = trimmed(lookup.apply(prefix + ACTION));
    if (action != null) {
      b.action(BudgetAction.parse(prefix + ACTION, action));
    }
    String downgrade = trimmed(lookup.apply(prefix + DOWNGRADE));
    if (downgrade != null) {
      b.downgrade(downgradeMap(prefix + DOWNGRADE, downgrade));
    }
    return b;
  }

  /** {@code gpt-4o=gpt-4o-mini,claude-sonnet-4-5=claude-haiku-4-5}. */
  static Map<String, String> downgradeMap(String key, String value) {
    Map<String, String> map = new LinkedHashMap<>();
    for (String pair : value.split(",")) {
      if (pair.trim().isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      if (eq <= 0 || eq == pair.length() - 1) {
        throw new IllegalArgumentException(
            key + ": expected model=cheaper-model pairs separated by commas, got '" + value + "'");
      }
      map.put(pair.substring(0, eq).trim(), pair.substring(eq + 1).trim());
    }
    return map;
  }

  static Long count(String key, String value) {
    String v = trimmed(value);
    if (v == null) {
      return null;
    }
    try {
      long n = Long.parseLong(v.replace("_", ""));
      if (n < 0) {
        throw new IllegalArgumentException(key + ": must not be negative: '" + value + "'");
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(key + ": not a whole number: '" + value + "'");
    }
  }

  static long millis(String key, String value, long dflt) {
    String v = trimmed(value);
    if (v == null) {
      return dflt;
    }
    String s = v.toLowerCase(Locale.ROOT);
    long factor = 1;
    if (s.endsWith("ms")) {
      s = s.substring(0, s.length() - 2);
    } else if (s.endsWith("s")) {
      s = s.substring(0, s.length() - 1);
      factor = 1000;
    } else if (s.endsWith("m")) {
      s = s.substring(0, s.length() - 1);
      factor = 60_000;
    }
    try {
      long n = Long.parseLong(s.trim());
      if (n < 0) {
        throw new NumberFormatException();
      }
      return n * factor;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          key + ": not a duration (e.g. 2s, 500ms): '" + value + "'");
    }
  }

  private static boolean choice(
      Function<String, String> lookup, String key, String no, String yes) {
    String v = trimmed(lookup.apply(key));
    if (v == null || v.equalsIgnoreCase(no)) {
      return false;
    }
    if (v.equalsIgnoreCase(yes)) {
      return true;
    }
    throw new IllegalArgumentException(
        key + ": expected " + no + " or " + yes + ", got '" + v + "'");
  }

  static String trimmed(String v) {
    if (v == null) {
      return null;
    }
    String t = v.trim();
    return t.isEmpty() ? null : t;
  }
}
