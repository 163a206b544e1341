package dev.costtrace.receiver.budget;

/**
 * One warning or limit hit: decided by the agent (source {@code agent}, action {@code block},
 * {@code downgrade} or {@code warn}) or seen by the receiver in the spans of an app it cannot stop
 * (source {@code receiver}, action {@code observed}). Amounts as decimal strings, in the limit's
 * unit (USD, calls or tokens).
 */
public record BudgetEvent(
    long timeEpochNanos,
    String conversationId,
    String tenantId,
    String feature,
    String serviceName,
    String traceId,
    String spanId,
    String limitName,
    String action,
    String limitValue,
    String reach,
    String model,
    String downgradedTo,
    String source) {
  public static final String SOURCE_AGENT = "agent";
  public static final String SOURCE_RECEIVER = "receiver";
  public static final String ACTION_OBSERVED = "observed";
}
