package dev.costtrace.agent.attribution;

import io.opentelemetry.api.common.AttributeKey;
import java.util.List;
import java.util.Locale;

/**
 * One attribution dimension (conversation, tenant, ...): the baggage key the application may set,
 * the inbound request header the agent reads, the span attribute it is written to, and whether
 * values arriving with an inbound request (its header, its propagated baggage) are trusted.
 */
public final class AttributionField {
  private final String name;
  private final boolean trustInbound;
  private final String baggageKey;
  private final String headerName;
  private final AttributeKey<String> spanAttribute;
  private final AttributeKey<List<String>> capturedHeaderAttribute;

  public AttributionField(String baggageKey, String headerName, String spanAttribute) {
    this("custom", true, baggageKey, headerName, spanAttribute);
  }

  /**
   * @param name the field's name in settings (conversation, tenant, user, feature)
   * @param trustInbound whether the inbound request's header and propagated baggage may set it;
   *     when false only the application's own baggage (set in this process) does
   */
  public AttributionField(
      String name,
      boolean trustInbound,
      String baggageKey,
      String headerName,
      String spanAttribute) {
    this.name = requireNonBlank(name, "name");
    this.trustInbound = trustInbound;
    this.baggageKey = requireNonBlank(baggageKey, "baggageKey");
    this.headerName = requireNonBlank(headerName, "headerName").toLowerCase(Locale.ROOT);
    this.spanAttribute = AttributeKey.stringKey(requireNonBlank(spanAttribute, "spanAttribute"));
    // The agent's HTTP server instrumentation records captured headers under this name.
    this.capturedHeaderAttribute =
        AttributeKey.stringArrayKey("http.request.header." + this.headerName);
  }

  private static String requireNonBlank(String value, String name) {
    if (value == null || value.trim().isEmpty()) {
      throw new IllegalArgumentException(name + " must not be blank");
    }
    return value.trim();
  }

  public String name() {
    return name;
  }

  /** Whether a value the inbound request carries (header, propagated baggage) is used. */
  public boolean trustInbound() {
    return trustInbound;
  }

  public String baggageKey() {
    return baggageKey;
  }

  /** Lower-case header name. */
  public String headerName() {
    return headerName;
  }

  public AttributeKey<String> spanAttribute() {
    return spanAttribute;
  }

  AttributeKey<List<String>> capturedHeaderAttribute() {
    return capturedHeaderAttribute;
  }
}
