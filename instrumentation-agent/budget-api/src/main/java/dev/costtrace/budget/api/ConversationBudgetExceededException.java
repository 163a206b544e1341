package dev.costtrace.budget.api;

import java.math.BigDecimal;

/**
 * An LLM call was blocked before it was sent: its conversation reached a limit. Thrown by the SDK
 * call itself (the agent throws it in place of sending the request), so the app can end the
 * conversation, switch to a cheaper model or hand over to a person.
 */
public class ConversationBudgetExceededException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final String conversationId;
  private final String limitName;
  private final BigDecimal limit;
  private final BigDecimal spend;

  /**
   * @param conversationId the conversation whose budget is exhausted
   * @param limitName which limit: {@link BudgetLimit#CONVERSATION_CAP_USD}, {@link
   *     BudgetLimit#CONVERSATION_MAX_LLM_CALLS} or {@link BudgetLimit#CALL_MAX_TOKENS}
   * @param limit the limit's value (USD, calls or tokens)
   * @param spend what the conversation would reach with this call, in the limit's unit: spend so
   *     far plus this call's estimate (USD), calls including this one, or this call's tokens
   */
  public ConversationBudgetExceededException(
      String conversationId, String limitName, BigDecimal limit, BigDecimal spend) {
    super(message(conversationId, limitName, limit, spend));
    this.conversationId = conversationId;
    this.limitName = limitName;
    this.limit = limit;
    this.spend = spend;
  }

  private static String message(
      String conversationId, String limitName, BigDecimal limit, BigDecimal spend) {
    String unit = BudgetLimit.unit(limitName);
    return "conversation "
        + conversationId
        + " over its budget: "
        + limitName
        + " is "
        + BudgetLimit.format(limit, unit)
        + ", this call would reach "
        + BudgetLimit.format(spend, unit);
  }

  public String conversationId() {
    return conversationId;
  }

  /** Which limit was hit, one of the {@link BudgetLimit} names. */
  public String limitName() {
    return limitName;
  }

  /** The limit, in the unit of {@link #limitName()}. */
  public BigDecimal limit() {
    return limit;
  }

  /** What the call would have reached, in the same unit. */
  public BigDecimal spend() {
    return spend;
  }
}
