package dev.costtrace.receiver.attribution;

import dev.costtrace.config.Config;
import dev.costtrace.receiver.otlp.OtlpAttributes;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.util.List;

/**
 * Which span or resource attributes carry the conversation, tenant, user and feature, in order of
 * preference. Configurable with {@code costtrace.attribution.<field>.keys} (comma-separated).
 */
public final class AttributionKeys {
  public static final List<String> DEFAULT_CONVERSATION = List.of(
      "gen_ai.conversation.id", "session.id", "langfuse.session.id",
      "traceloop.association.properties.conversation_id",
      "traceloop.association.properties.session_id", "spring.ai.chat.client.conversation.id",
      "baggage.gen_ai.conversation.id", "conversation.id");
  public static final List<String> DEFAULT_TENANT = List.of(
      "tenant.id", "costtrace.tenant.id", "traceloop.association.properties.tenant_id",
      "langfuse.tenant.id", "baggage.tenant.id");
  public static final List<String> DEFAULT_USER = List.of(
      "enduser.id", "user.id", "langfuse.user.id", "traceloop.association.properties.user_id",
      "baggage.user.id");
  public static final List<String> DEFAULT_FEATURE = List.of(
      "costtrace.feature", "feature", "traceloop.association.properties.feature",
      "langfuse.trace.name", "baggage.feature");

  private final List<String> conversation;
  private final List<String> tenant;
  private final List<String> user;
  private final List<String> feature;

  public AttributionKeys(List<String> conversation, List<String> tenant, List<String> user,
      List<String> feature) {
    this.conversation = List.copyOf(conversation);
    this.tenant = List.copyOf(tenant);
    this.user = List.copyOf(user);
    this.feature = List.copyOf(feature);
  }

  public static AttributionKeys defaults() {
    return new AttributionKeys(DEFAULT_CONVERSATION, DEFAULT_TENANT, DEFAULT_USER, DEFAULT_FEATURE);
  }

  public static AttributionKeys fromConfig(Config config) {
    return new AttributionKeys(
        config.getList("costtrace.attribution.conversation.keys").orElse(DEFAULT_CONVERSATION),
        config.getList("costtrace.attribution.tenant.keys").orElse(DEFAULT_TENANT),
        config.getList("costtrace.attribution.user.keys").orElse(DEFAULT_USER),
        config.getList("costtrace.attribution.feature.keys").orElse(DEFAULT_FEATURE));
  }

  /** What these attributes say; span attributes beat resource attributes. */
  public Attribution read(List<KeyValue> span, List<KeyValue> resource) {
    return new Attribution(first(conversation, span, resource), first(tenant, span, resource),
        first(user, span, resource), first(feature, span, resource));
  }

  private static String first(List<String> keys, List<KeyValue> span, List<KeyValue> resource) {
    for (String key : keys) {
      String v = OtlpAttributes.string(span, key);
      if (v.isEmpty()) {
        v = OtlpAttributes.string(resource, key);
      }
      if (!v.isEmpty()) {
        return v;
      }
    }
    return "";
  }

}
