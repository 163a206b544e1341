package dev.costtrace.agent.http;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;

/**
 * Which hosts the HTTP capture treats as OpenAI-compatible LLM endpoints and how much of a body it
 * may hold, read from {@code costtrace.agent.http.*} properties (system property {@code
 * costtrace.agent.http.hosts} == env {@code COSTTRACE_AGENT_HTTP_HOSTS}). Defaults live here.
 */
public final class HttpCaptureSettings {
  public static final String HOSTS_KEY = "costtrace.agent.http.hosts";
  public static final String MAX_BODY_BYTES_KEY = "costtrace.agent.http.max-body-bytes";

  /** OpenAI, every Azure OpenAI resource, and a local Ollama. */
  public static final String DEFAULT_HOSTS = "api.openai.com,*.openai.azure.com,localhost:11434";

  /** JSON bodies larger than this are not parsed (the app still reads them whole). */
  public static final int DEFAULT_MAX_BODY_BYTES = 4 * 1024 * 1024;

  private final List<HostPattern> hosts;
  private final int maxBodyBytes;

  private HttpCaptureSettings(List<HostPattern> hosts, int maxBodyBytes) {
    this.hosts = Collections.unmodifiableList(new ArrayList<>(hosts));
    this.maxBodyBytes = maxBodyBytes;
  }

  public static HttpCaptureSettings defaults() {
    return fromProperties(key -> null);
  }

  /** Reads the settings; a bad value throws naming the key and the value. */
  public static HttpCaptureSettings fromProperties(Function<String, String> properties) {
    String hostList = properties.apply(HOSTS_KEY);
    if (hostList == null) {
      hostList = DEFAULT_HOSTS;
    }
    List<HostPattern> hosts = new ArrayList<>();
    for (String raw : hostList.split(",")) {
      String h = raw.trim();
      if (h.isEmpty()) {
        continue;
      }
      try {
        hosts.add(HostPattern.parse(h));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(
            "Invalid value for " + HOSTS_KEY + ": '" + h + "' (" + e.getMessage() + ")", e);
      }
    }
    int maxBody = DEFAULT_MAX_BODY_BYTES;
    String maxRaw = properties.apply(MAX_BODY_BYTES_KEY);
    if (maxRaw != null) {
      try {
        maxBody = Integer.parseInt(maxRaw.trim());
      } catch (NumberFormatException e) {
        maxBody = -1;
      }
      if (maxBody <= 0) {
        throw new IllegalArgumentException(
            "Invalid value for "
                + MAX_BODY_BYTES_KEY
                + ": '"
                + maxRaw
                + "' (must be a positive number of bytes)");
      }
    }
    return new HttpCaptureSettings(hosts, maxBody);
  }

  /**
   * The endpoint a request goes to, or {@code null} when it is not an LLM call we capture (host not
   * listed, or a path that is not one of the OpenAI-compatible operations).
   */
  public LlmEndpoint match(String scheme, String host, int port, String path) {
    if (host == null || path == null) {
      return null;
    }
    int effectivePort = port > 0 ? port : ("https".equalsIgnoreCase(scheme) ? 443 : 80);
    for (HostPattern p : hosts) {
      if (p.matches(host, effectivePort)) {
        LlmEndpoint endpoint = LlmEndpoint.of(host, path);
        return endpoint == null ? null : LlmEndpoint.withPort(endpoint, effectivePort);
      }
    }
    return null;
  }

  public int maxBodyBytes() {
    return maxBodyBytes;
  }

  public List<HostPattern> hosts() {
    return hosts;
  }
}
