package dev.costtrace.budget;

import java.util.Locale;

/** What happens to a call that would pass a limit. */
public enum BudgetAction {
  /** The call is not sent; the SDK call throws {@code ConversationBudgetExceededException}. */
  BLOCK,
  /** The request's model is replaced by its mapped cheaper model; blocked when none fits. */
  DOWNGRADE,
  /** The call proceeds; the span carries a warning event. */
  WARN;

  static BudgetAction parse(String key, String value) {
    try {
      return valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          key + ": expected block, downgrade or warn, got '" + value + "'");
    }
  }

  /** {@code block}, {@code downgrade}, {@code warn}. */
  public String id() {
    return name().toLowerCase(Locale.ROOT);
  }
}
