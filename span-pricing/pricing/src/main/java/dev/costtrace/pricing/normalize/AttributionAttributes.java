package dev.costtrace.pricing.normalize;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The one default list of the span and resource attributes that name a span's conversation, tenant,
 * user and feature, most preferred first, across the emitters CostTrace reads (OTel semconv,
 * OpenLLMetry's association properties, Langfuse, Spring AI, baggage copied to attributes). The
 * receiver's attribution reads them (its keys configurable); the normalizer reads the conversation
 * list for the ID a span names itself. One list, so the two cannot drift apart.
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

  private static final Map<String, Integer> CONVERSATION_RANK = new HashMap<>();

  static {
    for (int i = 0; i < CONVERSATION.size(); i++) {
      CONVERSATION_RANK.put(CONVERSATION.get(i), i);
    }
  }

  private AttributionAttributes() {}

  /**
   * The key's place in {@link #CONVERSATION} (0 is preferred), or -1 when it names no conversation.
   */
  public static int conversationRank(String key) {
    Integer rank = CONVERSATION_RANK.get(key);
    return rank == null ? -1 : rank;
  }
}
