package dev.costtrace.agent.genai;

import java.util.Locale;
import java.util.function.Function;

/**
 * Settings every gen_ai instrumentation shares, read through the agent's property resolution
 * ({@code -Dcosttrace.agent.capture.content=true} == {@code COSTTRACE_AGENT_CAPTURE_CONTENT=true}).
 *
 * <p>{@code costtrace.agent.capture.content} (default {@code false}): record prompt and completion
 * text. Off, no instrumentation of the extension records any message content, and the upstream
 * agent's own switch ({@code otel.instrumentation.genai.capture-message-content}) is left at its
 * default (off). On, it turns that upstream switch on too (the OpenAI chat instrumentation then
 * emits the messages as gen_ai log events).
 *
 * <p>{@code costtrace.agent.stream.timeout} (default {@code 10m}; {@code 500ms}, {@code 30s},
 * {@code 10m}, a plain number is seconds, {@code 0} never): how long a callback-style stream (the
 * LangChain4j streaming models) may go without ending before its span is ended with {@code
 * error.type=timeout}.
 */
public final class GenAiSettings {
  public static final String CAPTURE_CONTENT_PROPERTY = "costtrace.agent.capture.content";
  public static final boolean DEFAULT_CAPTURE_CONTENT = false;
  public static final String STREAM_TIMEOUT_PROPERTY = "costtrace.agent.stream.timeout";
  public static final long DEFAULT_STREAM_TIMEOUT_MILLIS = 10 * 60 * 1000L;

  private final boolean captureContent;
  private final long streamTimeoutMillis;

  private GenAiSettings(boolean captureContent, long streamTimeoutMillis) {
    this.captureContent = captureContent;
    this.streamTimeoutMillis = streamTimeoutMillis;
  }

  public static GenAiSettings defaults() {
    return new GenAiSettings(DEFAULT_CAPTURE_CONTENT, DEFAULT_STREAM_TIMEOUT_MILLIS);
  }

  /** Reads the properties; a bad value fails naming the key. */
  public static GenAiSettings fromProperties(Function<String, String> properties) {
    return new GenAiSettings(
        booleanProperty(properties, CAPTURE_CONTENT_PROPERTY, DEFAULT_CAPTURE_CONTENT),
        streamTimeoutMillis(properties.apply(STREAM_TIMEOUT_PROPERTY)));
  }

  /**
   * A true/false property of the agent: {@code fallback} when absent or blank, and anything else
   * fails naming the key (the upstream agent's own reading takes any other word for false).
   */
  public static boolean booleanProperty(
      Function<String, String> properties, String key, boolean fallback) {
    String v = properties.apply(key);
    if (v == null || v.trim().isEmpty()) {
      return fallback;
    }
    String t = v.trim();
    if (t.equalsIgnoreCase("true")) {
      return true;
    }
    if (t.equalsIgnoreCase("false")) {
      return false;
    }
    throw new IllegalArgumentException(
        "Invalid value for " + key + ": '" + v + "' (expected true or false)");
  }

  /** {@code 500ms}, {@code 30s}, {@code 10m}, {@code 1h}, or a number of seconds. */
  static long streamTimeoutMillis(String v) {
    if (v == null || v.trim().isEmpty()) {
      return DEFAULT_STREAM_TIMEOUT_MILLIS;
    }
    String t = v.trim().toLowerCase(Locale.ROOT);
    long unit = 1000L;
    String number = t;
    if (t.endsWith("ms")) {
      unit = 1L;
      number = t.substring(0, t.length() - 2);
    } else if (t.endsWith("s")) {
      number = t.substring(0, t.length() - 1);
    } else if (t.endsWith("m")) {
      unit = 60_000L;
      number = t.substring(0, t.length() - 1);
    } else if (t.endsWith("h")) {
      unit = 3_600_000L;
      number = t.substring(0, t.length() - 1);
    }
    try {
      long n = Long.parseLong(number.trim());
      if (n >= 0) {
        return n * unit;
      }
    } catch (NumberFormatException e) {
      // below
    }
    throw new IllegalArgumentException(
        "Invalid value for "
            + STREAM_TIMEOUT_PROPERTY
            + ": '"
            + v
            + "' (expected a non-negative duration such as 500ms, 30s, 10m)");
  }

  /**
   * The settings as code injected next to an instrumented library reads them (no agent config
   * there): system property, else the env variable; a bad value counts as the default (it already
   * failed the agent's start, naming the key).
   */
  public static GenAiSettings fromSystem() {
    try {
      return fromProperties(GenAiSettings::property);
    } catch (IllegalArgumentException e) {
      return defaults();
    }
  }

  /** {@code -Dcosttrace.x.y}, else env {@code COSTTRACE_X_Y}. */
  public static String property(String key) {
    String v = System.getProperty(key);
    if (v != null) {
      return v;
    }
    return System.getenv(key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_'));
  }

  public boolean captureContent() {
    return captureContent;
  }

  /** How long a callback-style stream may stay open; 0: no limit. */
  public long streamTimeoutMillis() {
    return streamTimeoutMillis;
  }
}
