package dev.costtrace.budget.api;

import java.math.BigDecimal;

/**
 * What a conversation has left under the rules that apply to it, as far as this process knows (its
 * own calls plus what the receiver reported). A {@code null} field is "no such limit" (or no
 * agent).
 */
public final class BudgetRemaining {
  /** No limit applies, or no agent is attached. */
  public static final BudgetRemaining UNLIMITED = new BudgetRemaining(null, null, null);

  private final BigDecimal usd;
  private final Long llmCalls;
  private final BigDecimal spentUsd;

  public BudgetRemaining(BigDecimal usd, Long llmCalls, BigDecimal spentUsd) {
    this.usd = usd;
    this.llmCalls = llmCalls;
    this.spentUsd = spentUsd;
  }

  /** USD left under the cap (never negative); {@code null} when no cap applies. */
  public BigDecimal usd() {
    return usd;
  }

  /** LLM calls left; {@code null} when no call limit applies. */
  public Long llmCalls() {
    return llmCalls;
  }

  /** What the conversation has spent so far; {@code null} when unknown (no agent). */
  public BigDecimal spentUsd() {
    return spentUsd;
  }

  @Override
  public String toString() {
    return "BudgetRemaining{usd=" + usd + ", llmCalls=" + llmCalls + ", spentUsd=" + spentUsd + '}';
  }
}
