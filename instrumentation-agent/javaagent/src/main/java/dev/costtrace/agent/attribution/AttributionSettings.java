package dev.costtrace.agent.attribution;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.function.Function;

/**
 * The attribution fields the agent fills, read from {@code costtrace.agent.*} properties (system
 * property {@code costtrace.agent.conversation.header} == env {@code
 * COSTTRACE_AGENT_CONVERSATION_HEADER}). Defaults live here, in one place.
 *
 * <p>{@code costtrace.agent.trust.inbound} lists the fields an inbound request may set through its
 * headers and its propagated W3C baggage (default {@value #DEFAULT_TRUST_INBOUND}; {@code none} for
 * none). The tenant is not in the default: an app's end users could otherwise charge their calls to
 * any tenant by sending {@code X-Tenant-Id} or {@code baggage: costtrace.tenant.id=...}. The
 * application's own baggage, set in this process, is always used.
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

  /** Fields inbound requests may set: not the tenant. */
  public static final String DEFAULT_TRUST_INBOUND = "conversation,user,feature";

  public static final String TRUST_INBOUND_KEY = "costtrace.agent.trust.inbound";
  private static final String[] FIELDS = {"conversation", "tenant", "user", "feature"};

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
    Set<String> trusted =
        trustedFields(value(properties, TRUST_INBOUND_KEY, DEFAULT_TRUST_INBOUND));
    List<AttributionField> fields = new ArrayList<>();
    fields.add(
        field(
            properties,
            trusted,
            "conversation",
            DEFAULT_CONVERSATION_BAGGAGE,
            DEFAULT_CONVERSATION_HEADER,
            DEFAULT_CONVERSATION_ATTRIBUTE));
    fields.add(
        field(
            properties,
            trusted,
            "tenant",
            DEFAULT_TENANT_BAGGAGE,
            DEFAULT_TENANT_HEADER,
            DEFAULT_TENANT_ATTRIBUTE));
    fields.add(
        field(
            properties,
            trusted,
            "user",
            DEFAULT_USER_BAGGAGE,
            DEFAULT_USER_HEADER,
            DEFAULT_USER_ATTRIBUTE));
    fields.add(
        field(
            properties,
            trusted,
            "feature",
            DEFAULT_FEATURE_BAGGAGE,
            DEFAULT_FEATURE_HEADER,
            DEFAULT_FEATURE_ATTRIBUTE));
    return new AttributionSettings(fields);
  }

  /** Parses the trusted list: field names separated by commas, or {@code none}. */
  private static Set<String> trustedFields(String list) {
    Set<String> trusted = new HashSet<>();
    String trimmed = list.trim().toLowerCase(Locale.ROOT);
    if (trimmed.isEmpty() || trimmed.equals("none")) {
      return trusted;
    }
    for (String part : trimmed.split(",")) {
      String name = part.trim();
      if (!Arrays.asList(FIELDS).contains(name)) {
        throw new IllegalArgumentException(
            "Invalid value '"
                + list
                + "' for "
                + TRUST_INBOUND_KEY
                + ": '"
                + name
                + "' is not one of conversation, tenant, user, feature (or none)");
      }
      trusted.add(name);
    }
    return trusted;
  }

  private static AttributionField field(
      Function<String, String> properties,
      Set<String> trusted,
      String name,
      String baggage,
      String header,
      String attribute) {
    String b = value(properties, PREFIX + name + ".baggage", baggage);
    String h = value(properties, PREFIX + name + ".header", header);
    String a = value(properties, PREFIX + name + ".attribute", attribute);
    try {
      return new AttributionField(name, trusted.contains(name), b, h, a);
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

  /** Lower-case names of the headers the server instrumentation must capture: the trusted ones. */
  public List<String> headerNames() {
    List<String> names = new ArrayList<>();
    for (AttributionField f : fields) {
      if (f.trustInbound()) {
        names.add(f.headerName());
      }
    }
    return names;
  }

  /** Baggage keys an inbound request may not set: dropped when its baggage is extracted. */
  public Set<String> untrustedBaggageKeys() {
    Set<String> keys = new HashSet<>();
    for (AttributionField f : fields) {
      if (!f.trustInbound()) {
        keys.add(f.baggageKey());
      }
    }
    return keys;
  }
}
