package dev.costtrace.budget.api;

import dev.costtrace.budget.api.internal.BudgetGate;

/** What an application can ask of the agent's budgets. */
public final class ConversationBudgets {
  private ConversationBudgets() {}

  /**
   * What {@code conversationId} has left under its rules; {@link BudgetRemaining#UNLIMITED} when no
   * agent with budgets is attached. Never throws.
   */
  public static BudgetRemaining remaining(String conversationId) {
    BudgetGate gate = BudgetGate.Holder.get();
    if (gate == null || conversationId == null) {
      return BudgetRemaining.UNLIMITED;
    }
    try {
      BudgetRemaining r = gate.remaining(conversationId);
      return r == null ? BudgetRemaining.UNLIMITED : r;
    } catch (RuntimeException e) {
      return BudgetRemaining.UNLIMITED;
    }
  }
}
