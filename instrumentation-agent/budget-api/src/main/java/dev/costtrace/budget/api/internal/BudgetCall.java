package dev.costtrace.budget.api.internal;

/**
 * One LLM call as the budget engine needs it before it is sent. Mutable and unshared: built by
 * the instrumentation for one call, read by the engine during {@link BudgetGate#admit}.
 */
public final class BudgetCall {
  public String conversationId;
  public String tenantId;
  public String feature;
  public String provider;
  public String model;
  /** The request's text as the model will read it (messages, system prompt, tools), or null. */
  public CharSequence inputText;
  /** Tokens of input already counted by the instrumentation, or -1. */
  public long inputTokens = -1;
  /** The request's maximum output tokens, or -1 when it sets none. */
  public long maxOutputTokens = -1;
  /** The requested service tier, or null. */
  public String serviceTier;
}
