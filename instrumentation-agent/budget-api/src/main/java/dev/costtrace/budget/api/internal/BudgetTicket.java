package dev.costtrace.budget.api.internal;

import java.util.Map;

/**
 * The engine's decision on one call, and its reservation. {@link #outcome()} is {@code allow},
 * {@code warn}, {@code downgrade} or {@code block}; a blocked ticket holds the exception to throw
 * and has reserved nothing.
 */
public interface BudgetTicket {
  String OUTCOME_ALLOW = "allow";
  String OUTCOME_WARN = "warn";
  String OUTCOME_DOWNGRADE = "downgrade";
  String OUTCOME_BLOCK = "block";

  String outcome();

  /** The model to send instead of the requested one ({@code downgrade}), else null. */
  String downgradeModel();

  /** What the app's call throws ({@code block}), else null. */
  RuntimeException exception();

  /**
   * The {@code costtrace.budget.*} span attributes describing the decision (String, Long or Double
   * values), to put on the call's span.
   */
  Map<String, Object> spanAttributes();

  /**
   * The span event's name when the decision is worth an event (a warning or a limit hit), else
   * null.
   */
  String eventName();

  /**
   * Settles the reservation with the usage the vendor reported (OpenTelemetry semantics: input
   * includes cache, output includes reasoning; -1 where not reported; the response model, or null).
   * A call that failed before usage settles with nothing and releases its estimate.
   */
  void settle(
      String responseModel,
      long inputTokens,
      long cacheReadTokens,
      long cacheCreationTokens,
      long outputTokens,
      long reasoningTokens);

  /** Releases the reservation without usage (the call failed or its usage was not seen). */
  void release();
}
