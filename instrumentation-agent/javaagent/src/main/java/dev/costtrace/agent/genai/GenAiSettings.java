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
 */
public final class GenAiSettings {
  public static final String CAPTURE_CONTENT_PROPERTY = "costtrace.agent.capture.content";
  public static final boolean DEFAULT_CAPTURE_CONTENT = false;

  private final boolean captureContent;

  private GenAiSettings(boolean captureContent) {
    this.captureContent = captureContent;
  }

  public static GenAiSettings defaults() {
    return new GenAiSettings(DEFAULT_CAPTURE_CONTENT);
  }

  /** Reads the properties; a value other than true/false fails naming the key. */
  public static GenAiSettings fromProperties(Function<String, String> properties) {
    return new GenAiSettings(
        booleanProperty(properties, CAPTURE_CONTENT_PROPERTY, DEFAULT_CAPTURE_CONTENT));
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
}
