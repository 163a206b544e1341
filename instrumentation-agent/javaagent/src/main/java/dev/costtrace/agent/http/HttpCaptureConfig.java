package dev.costtrace.agent.http;

import dev.costtrace.agent.genai.GenAiSettings;

/**
 * The settings as the injected HTTP wiring sees them, resolved the way the agent resolves its own
 * properties (system property {@code costtrace.agent.http.hosts}, else env {@code
 * COSTTRACE_AGENT_HTTP_HOSTS}). Read once. A bad value was already reported at agent start by
 * {@code CostTraceAgentCustomizer}; here it only switches the capture off.
 */
public final class HttpCaptureConfig {
  private static volatile HttpCaptureSettings settings;
  private static volatile boolean disabled;

  private HttpCaptureConfig() {}

  /** The settings, or {@code null} when the capture is off (bad configuration). */
  public static HttpCaptureSettings get() {
    HttpCaptureSettings s = settings;
    if (s != null || disabled) {
      return s;
    }
    try {
      s = HttpCaptureSettings.fromProperties(HttpCaptureConfig::property);
      settings = s;
      return s;
    } catch (RuntimeException e) {
      disabled = true;
      return null;
    }
  }

  static String property(String key) {
    return GenAiSettings.property(key);
  }
}
