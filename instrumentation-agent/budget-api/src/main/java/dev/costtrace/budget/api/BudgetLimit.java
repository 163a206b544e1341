package dev.costtrace.budget.api;

import java.math.BigDecimal;

/** The names of the limits, as they appear in exceptions, span attributes and events. */
public final class BudgetLimit {
  /** Warning threshold in USD: the call proceeds, an event is recorded. */
  public static final String CONVERSATION_WARN_USD = "conversation_warn_usd";

  /** Hard cap in USD on a conversation's spend. */
  public static final String CONVERSATION_CAP_USD = "conversation_cap_usd";

  /** The most LLM calls a conversation may make. */
  public static final String CONVERSATION_MAX_LLM_CALLS = "conversation_max_llm_calls";

  /** The most tokens (input plus maximum output) one call may use. */
  public static final String CALL_MAX_TOKENS = "call_max_tokens";

  private BudgetLimit() {}

  static String unit(String limitName) {
    if (CONVERSATION_MAX_LLM_CALLS.equals(limitName)) {
      return "calls";
    }
    if (CALL_MAX_TOKENS.equals(limitName)) {
      return "tokens";
    }
    return "USD";
  }

  static String format(BigDecimal value, String unit) {
    if (value == null) {
      return "unknown";
    }
    String plain = value.stripTrailingZeros().toPlainString();
    return "USD".equals(unit) ? "$" + plain : plain + " " + unit;
  }
}
