package dev.costtrace.agent.http;

import java.util.Locale;

/**
 * One entry of the host list: {@code api.openai.com} (any port), {@code *.openai.azure.com} (any
 * sub-domain) or {@code localhost:11434} (that port only).
 */
public final class HostPattern {
  private final String suffix; // non-null for "*.x": ".x"
  private final String host;
  private final int port; // -1 = any

  private HostPattern(String host, String suffix, int port) {
    this.host = host;
    this.suffix = suffix;
    this.port = port;
  }

  static HostPattern parse(String text) {
    String t = text.trim().toLowerCase(Locale.ROOT);
    int port = -1;
    int colon = t.lastIndexOf(':');
    if (colon >= 0) {
      try {
        port = Integer.parseInt(t.substring(colon + 1));
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("port is not a number");
      }
      if (port <= 0 || port > 65535) {
        throw new IllegalArgumentException("port out of range");
      }
      t = t.substring(0, colon);
    }
    if (t.isEmpty() || t.indexOf('/') >= 0) {
      throw new IllegalArgumentException("expected host, *.domain or host:port");
    }
    if (t.startsWith("*.")) {
      return new HostPattern(null, t.substring(1), port);
    }
    if (t.indexOf('*') >= 0) {
      throw new IllegalArgumentException("'*' only as the first label, as in *.openai.azure.com");
    }
    return new HostPattern(t, null, port);
  }

  boolean matches(String requestHost, int requestPort) {
    if (port >= 0 && port != requestPort) {
      return false;
    }
    String h = requestHost.toLowerCase(Locale.ROOT);
    return suffix != null ? h.endsWith(suffix) && h.length() > suffix.length() : h.equals(host);
  }

  @Override
  public String toString() {
    return (suffix != null ? "*" + suffix : host) + (port >= 0 ? ":" + port : "");
  }
}
