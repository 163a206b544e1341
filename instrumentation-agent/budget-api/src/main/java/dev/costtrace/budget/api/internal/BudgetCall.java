package dev.costtrace.budget.api.internal;

import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * One LLM call as the budget engine needs it before it is sent. Mutable and unshared: built by the
 * instrumentation for one call, read by the engine during {@link BudgetGate#admit}.
 */
public final class BudgetCall {
  public String conversationId;
  public String tenantId;
  public String feature;
  public String provider;
  public String model;

  /**
   * The request's text as the model will read it (messages, system prompt, tools), or null;
   * computed only when a rule needs an estimate.
   */
  public Supplier<? extends CharSequence> inputText;

  /** Tokens of input already counted by the instrumentation, or -1. */
  public long inputTokens = -1;

  /** The request's maximum output tokens, or -1 when it sets none. */
  public long maxOutputTokens = -1;

  /**
   * Which downgrade models the instrumentation can send this call with (an Azure deployment must
   * serve the model; a framework that builds its vendor request before the check cannot change it),
   * or null: any. A downgrade the call cannot take is a block.
   */
  public Predicate<String> downgradable;

  /** The requested service tier, or null. */
  public String serviceTier;

  /**
   * The call's span (the agent's OpenTelemetry {@code Span}), or null when the call is not traced:
   * its attributes carry the conversation, tenant and feature as attribution resolved them.
   */
  public Object span;

  /** The context the call was made in (the agent's OpenTelemetry {@code Context}), or null. */
  public Object context;
}
