package dev.costtrace.agent.attribution;

import io.opentelemetry.api.common.AttributeKey;
import java.util.List;
import java.util.Locale;

/**
 * One attribution dimension (conversation, tenant, ...): the baggage key the application may set,
 * the inbound request header the agent reads, and the span attribute it is written to.
 */
public final class AttributionField {
  private final String baggageKey;
  private final String headerName;
  private final AttributeKey<String> spanAttribute;
  private final AttributeKey<List<String>> capturedHeaderAttribute;

  public AttributionField(String baggageKey, String headerName, String spanAttribute) {
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
