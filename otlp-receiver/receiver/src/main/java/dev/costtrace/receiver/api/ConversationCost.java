package dev.costtrace.receiver.api;

import java.math.BigDecimal;

/** One conversation's totals as stored (the {@code conversation_costs} view). */
public record ConversationCost(
    String conversationId,
    String tenantId,
    String userId,
    String feature,
    long turns,
    BigDecimal totalUsd,
    long llmCalls,
    long toolCalls,
    long inputTokens,
    long outputTokens,
    long cacheReadTokens,
    long reasoningTokens,
    String firstSeen,
    String lastSeen) {}
