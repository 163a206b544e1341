package dev.costtrace.agent.springai;

/**
 * What happens to a span when Spring AI runs the observation of one model or tool call: either
 * around code ({@code observe(...)}: the span is current while the code runs), or as {@code
 * start()} ... {@code error(t)} ... {@code stop()} (a stream). Implementations contain their own
 * failures.
 */
abstract class ObservedCall {
  /**
   * {@code observe(...)} is about to run the observed code.
   *
   * @throws dev.costtrace.budget.api.ConversationBudgetExceededException when the budget blocks the
   *     call: the observed code is not run and the app gets the exception
   */
  abstract void startAround();

  /** The observed code returned {@code result} or threw {@code error}. */
  abstract void endAround(Object result, Throwable error);

  /**
   * {@code start()}: the call begins; it ends at {@link #stop}. Throws the budget's exception as
   * {@link #startAround} does.
   */
  abstract void start();

  /** {@code error(t)}: the call failed with {@code error} (before {@link #stop}). */
  abstract void error(Throwable error);

  /** {@code stop()}. */
  abstract void stop();
}
