package dev.costtrace.pricing.normalize;

import java.util.List;

/**
 * The one default list of the span and resource attributes that name a span's conversation, tenant,
 * user and feature, most preferred first, across the emitters CostTrace reads (OTel semconv,
 * OpenLLMetry's association properties, Langfuse, Spring AI, baggage copied to attributes). The
 * defaults of {@link AttributionKeys}, which {@link SpanNormalizer} reads (configurable in the
 * receiver).
 */
public final class AttributionAttributes {
  public static final List<String> CONVERSATION =
      List.of(
          "gen_ai.conversation.id",
          "session.id",
          "langfuse.session.id",
          "traceloop.association.properties.conversation_id",
          "traceloop.association.properties.session_id",
          "spring.ai.chat.client.conversation.id",
          "baggage.gen_ai.conversation.id",
          "conversation.id");
  public static final List<String> TENANT =
      List.of(
          "tenant.id",
          "costtrace.tenant.id",
          "traceloop.association.properties.tenant_id",
          "langfuse.tenant.id",
          "baggage.tenant.id");
  public static final List<String> USER =
      List.of(
          "enduser.id",
          "user.id",
          "langfuse.user.id",
          "traceloop.association.properties.user_id",
          "baggage.user.id");
  public static final List<String> FEATURE =
      List.of(
          "costtrace.feature",
          "feature",
          "traceloop.association.properties.feature",
          "langfuse.trace.name",
          "baggage.feature");

  private AttributionAttributes() {}
}
