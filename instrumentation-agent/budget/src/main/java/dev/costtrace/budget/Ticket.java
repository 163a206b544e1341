package dev.costtrace.budget;

import dev.costtrace.budget.api.internal.BudgetCall;
import dev.costtrace.budget.api.internal.BudgetTicket;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;

/** One admitted (or blocked) call: the decision, its reservation, settled once. */
final class Ticket implements BudgetTicket {
  /** Span attribute keys. */
  static final String ATTR_ACTION = "costtrace.budget.action";

  static final String ATTR_LIMIT = "costtrace.budget.limit";
  static final String ATTR_LIMIT_VALUE = "costtrace.budget.limit_value";
  static final String ATTR_REACH = "costtrace.budget.reach";
  static final String ATTR_SPEND = "costtrace.budget.spend_usd";
  static final String ATTR_ESTIMATE = "costtrace.budget.estimate_usd";
  static final String ATTR_INPUT_TOKENS = "costtrace.budget.estimate.input_tokens";
  static final String ATTR_MAX_OUTPUT = "costtrace.budget.estimate.output_tokens";

  /** Present when input_tokens is the prompt's UTF-8 length (an upper bound), not its count. */
  static final String ATTR_INPUT_BOUND = "costtrace.budget.estimate.input_tokens_bound";

  static final String ATTR_REQUESTED_MODEL = "costtrace.budget.requested_model";
  static final String ATTR_DOWNGRADED_TO = "costtrace.budget.downgraded_to";
  static final String EVENT_WARNING = "costtrace.budget.warning";
  static final String EVENT_LIMIT = "costtrace.budget.limit_hit";

  private final BudgetEngine engine;
  final String conversationId;
  final String provider;
  final String requestedModel;
  final String serviceTier;
  final long inputTokens;
  final long maxOutputTokens;
  SpendLedger.Tally tally;
  String outcome = OUTCOME_ALLOW;
  String limitName;
  BigDecimal limitValue;
  BigDecimal reach;
  boolean warnOnly;
  boolean unpriced;
  boolean spendUnknown;
  String downgradeModel;
  RuntimeException exception;
  long spentBeforePico;
  long estimatePico;

  /** inputTokens is the UTF-8 bound: the call was admitted without tokenizing. */
  boolean inputBound;

  // Guarded by the tally's lock: what it reserved, and while that is a bound's price, its prompt.
  long reservedPico;
  boolean provisional;
  CharSequence text;
  private boolean done;

  Ticket(BudgetEngine engine, BudgetCall call, BudgetRule rule, long inputTokens, long maxOut) {
    this.engine = engine;
    this.conversationId = call.conversationId;
    this.provider = call.provider;
    this.requestedModel = call.model;
    this.serviceTier = call.serviceTier;
    this.inputTokens = inputTokens;
    this.maxOutputTokens = maxOut;
  }

  void hit(String limit, BigDecimal value, BigDecimal reached) {
    this.limitName = limit;
    this.limitValue = value;
    this.reach = reached;
  }

  @Override
  public String outcome() {
    return outcome;
  }

  @Override
  public String downgradeModel() {
    return downgradeModel;
  }

  @Override
  public RuntimeException exception() {
    return exception;
  }

  @Override
  public Map<String, Object> spanAttributes() {
    Map<String, Object> a = new LinkedHashMap<>();
    a.put(ATTR_ACTION, outcome);
    if (limitName != null) {
      a.put(ATTR_LIMIT, limitName);
      a.put(ATTR_LIMIT_VALUE, plain(limitValue));
      if (reach != null) {
        a.put(ATTR_REACH, plain(reach));
      }
    }
    if (tally != null) {
      a.put(ATTR_SPEND, Money.toUsd(spentBeforePico).toPlainString());
    }
    if (estimatePico >= 0) {
      a.put(ATTR_ESTIMATE, Money.toUsd(estimatePico).toPlainString());
    }
    a.put(ATTR_INPUT_TOKENS, inputTokens);
    a.put(ATTR_MAX_OUTPUT, maxOutputTokens);
    if (inputBound) {
      a.put(ATTR_INPUT_BOUND, "utf8_bytes");
    }
    if (downgradeModel != null) {
      a.put(ATTR_REQUESTED_MODEL, requestedModel);
      a.put(ATTR_DOWNGRADED_TO, downgradeModel);
    }
    return a;
  }

  private static String plain(BigDecimal v) {
    return v == null ? "unknown" : v.stripTrailingZeros().toPlainString();
  }

  @Override
  public String eventName() {
    if (limitName == null) {
      return null;
    }
    return warnOnly ? EVENT_WARNING : EVENT_LIMIT;
  }

  String logLine() {
    StringBuilder b = new StringBuilder("costtrace budget: ");
    b.append(warnOnly ? "warning" : "limit hit").append(", conversation ").append(conversationId);
    b.append(", ").append(limitName).append(' ').append(plain(limitValue));
    b.append(", would reach ").append(plain(reach)).append(", action ").append(outcome);
    if (downgradeModel != null) {
      b.append(" (").append(requestedModel).append(" -> ").append(downgradeModel).append(')');
    }
    if (unpriced) {
      b.append(" (model ").append(requestedModel).append(" has no price)");
    }
    return b.toString();
  }

  @Override
  public void settle(
      String responseModel,
      long inputTokens,
      long cacheReadTokens,
      long cacheCreationTokens,
      long outputTokens,
      long reasoningTokens) {
    if (inputTokens < 0 && outputTokens < 0) {
      // Usage not reported: keep the estimate (safe side).
      if (claim()) {
        engine.settleAtEstimate(this);
      }
      return;
    }
    String sent = downgradeModel != null ? downgradeModel : requestedModel;
    long in = Math.max(inputTokens, 0);
    long cr = Math.max(cacheReadTokens, 0);
    long cw = Math.max(cacheCreationTokens, 0);
    long out = Math.max(outputTokens, 0);
    long reasoning = Math.max(reasoningTokens, 0);
    long actual =
        engine.price(
            this, responseModel != null ? responseModel : sent, in, cr, cw, out, reasoning);
    if (actual < 0 && responseModel != null && !responseModel.equals(sent)) {
      // A dated response model the catalog does not know: the requested one's price (once: the
      // same model is not priced twice).
      actual = engine.price(this, sent, in, cr, cw, out, reasoning);
    }
    if (actual < 0) {
      actual = 0; // unpriced: the receiver reports it as UNKNOWN_MODEL, never as money
    }
    finish(actual);
  }

  @Override
  public void release() {
    finish(0);
  }

  private void finish(long actualPico) {
    if (claim()) {
      engine.settle(this, actualPico);
    }
  }

  /** True the first time: a ticket is settled once; a blocked one reserved nothing. */
  private synchronized boolean claim() {
    if (done || OUTCOME_BLOCK.equals(outcome)) {
      return false;
    }
    done = true;
    return true;
  }
}
