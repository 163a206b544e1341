package dev.costtrace.budget.api.internal;

import dev.costtrace.budget.api.BudgetRemaining;

/**
 * The agent's budget engine, as instrumentation sees it. Implementations contain their failures.
 */
public interface BudgetGate {
  /**
   * Decides on a call before it is sent and reserves its estimate; the ticket says what to do and
   * must be settled or released exactly once. {@code null}: no rule applies, nothing reserved.
   */
  BudgetTicket admit(BudgetCall call);

  /** What a conversation has left. */
  BudgetRemaining remaining(String conversationId);

  /** The one gate of this JVM, set by the agent at start. */
  final class Holder {
    private static volatile BudgetGate gate;

    private Holder() {}

    public static BudgetGate get() {
      return gate;
    }

    public static void set(BudgetGate g) {
      gate = g;
    }
  }
}
