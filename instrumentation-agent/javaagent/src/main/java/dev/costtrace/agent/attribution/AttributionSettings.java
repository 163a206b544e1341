package dev.costtrace.agent.attribution;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Function;

/**
 * The attribution fields the agent fills, read from {@code costtrace.agent.*} properties (system
 * property {@code costtrace.agent.conversation.header} == env {@code
 * COSTTRACE_AGENT_CONVERSATION_HEADER}). Defaults live here, in one place.
 */
public final class AttributionSettings {
  public static final String DEFAULT_CONVERSATION_BAGGAGE = "gen_ai.conversation.id";
  public static final String DEFAULT_CONVERSATION_HEADER = "X-Conversation-Id";
  public static final String DEFAULT_CONVERSATION_ATTRIBUTE = "gen_ai.conversation.id";
  public static final String DEFAULT_TENANT_BAGGAGE = "costtrace.tenant.id";
  public static final String DEFAULT_TENANT_HEADER = "X-Tenant-Id";
  public static final String DEFAULT_TENANT_ATTRIBUTE = "costtrace.tenant.id";
  public static final String DEFAULT_USER_BAGGAGE = "user.id";
  public static final String DEFAULT_USER_HEADER = "X-User-Id";
  public static final String DEFAULT_USER_ATTRIBUTE = "user.id";
  public static final String DEFAULT_FEATURE_BAGGAGE = "costtrace.feature";
  public static final String DEFAULT_FEATURE_HEADER = "X-Feature";
  public static final String DEFAULT_FEATURE_ATTRIBUTE = "costtrace.feature";

  private static final String PREFIX = "costtrace.agent.";

  private final List<AttributionField> fields;

  private AttributionSettings(List<AttributionField> fields) {
    this.fields = Collections.unmodifiableList(new ArrayList<>(fields));
  }

  /** Defaults only. */
  public static AttributionSettings defaults() {
    return fromProperties(key -> null);
  }

  /**
   * Reads {@code costtrace.agent.<field>.baggage|header|attribute} for the fields conversation,
   * tenant, user and feature; a property that is absent keeps the default.
   */
  public static AttributionSettings fromProperties(Function<String, String> properties) {
    List<AttributionField> fields = new ArrayList<>();
    fields.add(
        field(
            properties,
            "conversation",
            DEFAULT_CONVERSATION_BAGGAGE,
            DEFAULT_CONVERSATION_HEADER,
            DEFAULT_CONVERSATION_ATTRIBUTE));
    fields.add(
        field(
            properties,
            "tenant",
            DEFAULT_TENANT_BAGGAGE,
            DEFAULT_TENANT_HEADER,
            DEFAULT_TENANT_ATTRIBUTE));
    fields.add(
        field(properties, "user", DEFAULT_USER_BAGGAGE, DEFAULT_USER_HEADER, DEFAULT_USER_ATTRIBUTE));
    fields.add(
        field(
            properties,
            "feature",
            DEFAULT_FEATURE_BAGGAGE,
            DEFAULT_FEATURE_HEADER,
            DEFAULT_FEATURE_ATTRIBUTE));
    return new AttributionSettings(fields);
  }

  private static AttributionField field(
      Function<String, String> properties,
      String name,
      String baggage,
      String header,
      String attribute) {
    String b = value(properties, PREFIX + name + ".baggage", baggage);
    String h = value(properties, PREFIX + name + ".header", header);
    String a = value(properties, PREFIX + name + ".attribute", attribute);
    try {
      return new AttributionField(b, h, a);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          "Invalid value for " + PREFIX + name + ".*: " + e.getMessage(), e);
    }
  }

  private static String value(Function<String, String> properties, String key, String fallback) {
    String v = properties.apply(key);
    return v == null ? fallback : v;
  }

  public List<AttributionField> fields() {
    return fields;
  }

  public AttributionField conversation() {
    return fields.get(0);
  }

  public AttributionField tenant() {
    return fields.get(1);
  }

  public AttributionField feature() {
    return fields.get(3);
  }

  /** Lower-case names of every header the server instrumentation must capture. */
  public List<String> headerNames() {
    List<String> names = new ArrayList<>();
    for (AttributionField f : fields) {
      names.add(f.headerName());
    }
    return names;
  }
}
