package dev.costtrace.sink;

import java.util.Map;
import java.util.Objects;

/**
 * What one span said about its trace's attribution: conversation, tenant, user, feature and other
 * tags, as found on the span (or its resource), with the span's identity and start. The sink stores
 * every such observation in {@code span_attributions}; a trace's attribution is resolved from all
 * of them, whatever order they arrived in:
 *
 * <ul>
 *   <li>per field, the non-empty value of the earliest-starting span that carries one (ties: the
 *       lowest span ID), so a field never resolves to empty while a span of the trace has a value,
 *       and the root span (which starts first) decides a conflict;
 *   <li>with bearer-token auth on, the tenant is the token's ({@code authTenant}), whatever the
 *       spans say.
 * </ul>
 *
 * <p>A conversation's tenant, user and feature are resolved the same way over its traces (the
 * earliest-starting trace with a value). The SQL of {@code rollup/trace_rollups.sql} is the
 * definition; {@link #precedes} is the same order for code that needs it before the data is stored.
 *
 * @param authTenant the tenant of the export's token; empty with auth off
 * @param traceId 32 lowercase hex characters
 * @param spanId 16 lowercase hex characters
 * @param startEpochNanos the span's start
 * @param conversationId empty when the span said nothing
 * @param tenantId empty when the span said nothing
 * @param userId empty when the span said nothing
 * @param feature empty when the span said nothing
 * @param tags other attribution tags; never null
 * @param observedAtEpochNanos when the receiver took it (for audit; not used to resolve)
 */
public record SpanAttribution(
    String authTenant,
    String traceId,
    String spanId,
    long startEpochNanos,
    String conversationId,
    String tenantId,
    String userId,
    String feature,
    Map<String, String> tags,
    long observedAtEpochNanos) {

  public SpanAttribution {
    authTenant = Objects.requireNonNullElse(authTenant, "");
    Objects.requireNonNull(traceId, "traceId");
    spanId = Objects.requireNonNullElse(spanId, "");
    conversationId = Objects.requireNonNullElse(conversationId, "");
    tenantId = Objects.requireNonNullElse(tenantId, "");
    userId = Objects.requireNonNullElse(userId, "");
    feature = Objects.requireNonNullElse(feature, "");
    tags = tags == null ? Map.of() : Map.copyOf(tags);
  }

  /**
   * Whether this span comes before the other in the resolution order: earlier start, then lower
   * span ID.
   */
  public boolean precedes(long otherStartEpochNanos, String otherSpanId) {
    return startEpochNanos != otherStartEpochNanos
        ? startEpochNanos < otherStartEpochNanos
        : spanId.compareTo(otherSpanId) < 0;
  }
}
