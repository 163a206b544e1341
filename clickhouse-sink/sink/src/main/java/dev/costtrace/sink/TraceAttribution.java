package dev.costtrace.sink;

import java.util.Map;
import java.util.Objects;

/**
 * What a trace belongs to: conversation, tenant, user, feature and other tags, found on any span
 * of the trace (usually the root server span or a span stamped from baggage).
 *
 * <p>Spans may be written before their trace's attribution is known (a root span ends, and so is
 * exported, after its children). The sink applies an attribution to every span of its trace,
 * whenever either arrives; for the same trace a higher {@code version} wins.
 *
 * @param traceId 32 lowercase hex characters
 * @param conversationId empty when unknown
 * @param tenantId empty when unknown
 * @param userId empty when unknown
 * @param feature empty when unknown
 * @param tags other attribution tags; never null
 * @param observedAtEpochNanos when the receiver learnt this, for "last seen" and ordering
 * @param version higher wins for the same trace (e.g. a token-derived tenant beats a span value)
 */
public record TraceAttribution(
    String traceId,
    String conversationId,
    String tenantId,
    String userId,
    String feature,
    Map<String, String> tags,
    long observedAtEpochNanos,
    long version) {

  public TraceAttribution {
    Objects.requireNonNull(traceId, "traceId");
    conversationId = Objects.requireNonNullElse(conversationId, "");
    tenantId = Objects.requireNonNullElse(tenantId, "");
    userId = Objects.requireNonNullElse(userId, "");
    feature = Objects.requireNonNullElse(feature, "");
    tags = tags == null ? Map.of() : Map.copyOf(tags);
  }
}
