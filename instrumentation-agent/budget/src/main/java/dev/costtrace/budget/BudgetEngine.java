package dev.costtrace.budget;

import dev.costtrace.budget.api.BudgetLimit;
import dev.costtrace.budget.api.BudgetRemaining;
import dev.costtrace.budget.api.ConversationBudgetExceededException;
import dev.costtrace.budget.api.internal.BudgetCall;
import dev.costtrace.budget.api.internal.BudgetGate;
import dev.costtrace.budget.api.internal.BudgetTicket;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Decides on each LLM call before it is sent, from the rule that applies (most specific of tenant,
 * feature, service), the conversation's spend so far ({@link SpendLedger}, plus the receiver's
 * figure, cached for {@link BudgetSettings#remoteCacheMillis()}), and the call's estimate (input
 * tokens counted from the request, plus its maximum output, priced by the {@link CallPricer}).
 * Checks in this order: tokens per call, calls per conversation, the USD cap, the warning
 * threshold. A limit hit is handled by the rule's action: block (nothing reserved, the exception to
 * throw), downgrade (the mapped model, when its estimate fits; block otherwise; a call-count limit
 * cannot be downgraded away) or warn (the call proceeds). An admitted call reserves its estimate;
 * {@link BudgetTicket#settle} replaces it with the price of the real usage. A prompt is tokenized
 * only when the upper bound of its tokens cannot decide (see {@link TokenEstimator}): the decisions
 * are those of counting every prompt.
 */
public final class BudgetEngine implements BudgetGate {
  /**
   * Bound-priced calls in flight per conversation past which new ones are counted: each keeps its
   * prompt until it settles, and a refused call may have to count them all.
   */
  public static final int MAX_PROVISIONAL = 16;

  /** Re-checks of a refused call while new bound-priced calls keep arriving; then it is refused. */
  public static final int MAX_REFINE_ROUNDS = 3;

  private final BudgetSettings settings;
  private final BudgetRulesSource rules;
  private final SpendLedger ledger;
  private final CallPricer pricer;
  private final TokenEstimator tokens;
  private final RemoteSpend remote;
  private final String serviceName;
  private final LongSupplier nanoClock;
  private final Consumer<String> log;
  private final AtomicBoolean remoteWarned = new AtomicBoolean();

  private BudgetEngine(Builder b) {
    this.settings = b.settings;
    this.rules = b.rules != null ? b.rules : BudgetRulesSource.create(b.settings, b.log);
    this.ledger = b.ledger != null ? b.ledger : new SpendLedger();
    this.pricer = b.pricer;
    this.tokens = b.tokens != null ? b.tokens : new TokenEstimator();
    this.remote = b.remote;
    this.serviceName = b.serviceName;
    this.nanoClock = b.nanoClock;
    this.log = b.log;
  }

  public static Builder builder(BudgetSettings settings, CallPricer pricer) {
    return new Builder(settings, pricer);
  }

  public SpendLedger ledger() {
    return ledger;
  }

  public BudgetRulesSource rules() {
    return rules;
  }

  @Override
  public BudgetTicket admit(BudgetCall call) {
    BudgetRule rule = rules.current().ruleFor(call.tenantId, call.feature, serviceName);
    if (!rule.hasLimits()) {
      return null;
    }
    long maxOut =
        call.maxOutputTokens >= 0 ? call.maxOutputTokens : settings.defaultMaxOutputTokens();
    SpendLedger.Tally tally = null;
    boolean spendUnknown = false;
    if (call.conversationId != null && rule.tracksConversation()) {
      tally = ledger.tally(call.conversationId);
      tally.lastRule = rule;
      spendUnknown = !refreshRemote(tally, call.conversationId) && settings.failClosed();
    }
    CharSequence text = null; // asked for once: the instrumentation may build it from the request
    Ticket t = null;
    if (call.inputTokens < 0) {
      text = text(call);
      if (!spendUnknown
          && text != null
          && text.length() > 0
          && tokens.exact(call.provider, call.model)) {
        t = admitByBound(call, rule, tally, text, maxOut);
      }
    }
    if (t == null) {
      long inputTokens =
          call.inputTokens >= 0 ? call.inputTokens : tokens.count(call.provider, call.model, text);
      t = admitCounted(call, rule, tally, spendUnknown, text, inputTokens, maxOut);
    }
    if (t.eventName() != null) {
      log.accept(t.logLine());
    }
    return t;
  }

  /**
   * The decision from the input's UTF-8 length, an upper bound of its token count (see {@link
   * TokenEstimator}), or null when the bound cannot make it: it would hit a limit the count might
   * not. A limit not hit with the bound is not hit with the count (prices do not fall as input
   * grows), and a warning is certain once the settled spend alone is past it.
   */
  private Ticket admitByBound(
      BudgetCall call, BudgetRule rule, SpendLedger.Tally tally, CharSequence text, long maxOut) {
    long bound = TokenEstimator.utf8Bytes(text);
    if (rule.callMaxTokens() != null && bound + maxOut > rule.callMaxTokens()) {
      return null;
    }
    long estimate = estimate(call, call.model, bound, maxOut);
    Ticket t = new Ticket(this, call, rule, bound, maxOut);
    t.inputBound = true;
    t.tally = tally;
    t.estimatePico = estimate;
    if (tally == null) {
      return t; // only the per-call limit applies, and the bound fits it
    }
    synchronized (tally) {
      long spent = tally.spentPico() + tally.reservedPico;
      t.spentBeforePico = spent;
      check(t, rule, call.model, spent, tally.knownCalls(), estimate);
      boolean decided = t.limitName == null || (t.warnOnly && tally.spentPico() > rule.warnPico);
      long reserve = Math.max(estimate, 0);
      // An unpriced call reserves nothing however it is counted: nothing to refine later.
      boolean provisional = reserve > 0;
      if (!decided || (provisional && tally.provisionalCount() >= MAX_PROVISIONAL)) {
        return null;
      }
      if (provisional) {
        t.text = text;
      }
      tally.reserve(t, reserve, provisional);
    }
    return t;
  }

  /**
   * The decision from the counted (or given) input tokens. A cap or warning hit while other calls
   * of the conversation hold bound-priced reservations is checked again after those are priced from
   * their counts: the call is refused only if exact counting would refuse it too.
   */
  private Ticket admitCounted(
      BudgetCall call,
      BudgetRule rule,
      SpendLedger.Tally tally,
      boolean spendUnknown,
      CharSequence text,
      long inputTokens,
      long maxOut) {
    long estimate = estimate(call, call.model, inputTokens, maxOut);
    for (int round = 0; ; round++) {
      Ticket t = new Ticket(this, call, rule, inputTokens, maxOut);
      if (rule.callMaxTokens() != null && inputTokens + maxOut > rule.callMaxTokens()) {
        t.hit(
            BudgetLimit.CALL_MAX_TOKENS,
            new BigDecimal(rule.callMaxTokens()),
            BigDecimal.valueOf(inputTokens + maxOut));
      }
      if (spendUnknown) {
        t.hit(BudgetLimit.CONVERSATION_CAP_USD, rule.capUsd(), null);
        t.spendUnknown = true;
      }
      t.tally = tally;
      synchronized (tally != null ? tally : t) {
        long spent = tally == null ? 0 : tally.spentPico() + tally.reservedPico;
        long calls = tally == null ? 0 : tally.knownCalls();
        t.spentBeforePico = spent;
        t.estimatePico = estimate;
        if (t.limitName == null && tally != null) {
          check(t, rule, call.model, spent, calls, estimate);
        }
        boolean byReservations =
            tally != null
                && !t.unpriced
                && !t.spendUnknown
                && (BudgetLimit.CONVERSATION_CAP_USD.equals(t.limitName)
                    || (t.warnOnly && tally.spentPico() <= rule.warnPico));
        if (!byReservations || round >= MAX_REFINE_ROUNDS || tally.provisionalCount() == 0) {
          if (t.limitName != null && !t.warnOnly) {
            resolve(t, rule, call, text, inputTokens, maxOut, spent);
          }
          if (!BudgetTicket.OUTCOME_BLOCK.equals(t.outcome) && tally != null) {
            tally.reserve(t, t.estimatePico < 0 ? 0 : t.estimatePico, false);
          }
          return t;
        }
      }
      refine(tally);
    }
  }

  /**
   * Prices the conversation's bound-priced calls in flight from their counted tokens (outside its
   * lock: counting takes microseconds per call).
   */
  private void refine(SpendLedger.Tally tally) {
    for (Ticket p : tally.provisionalSnapshot()) {
      refine(tally, p);
    }
  }

  private void refine(SpendLedger.Tally tally, Ticket p) {
    CharSequence text;
    synchronized (tally) {
      text = p.provisional ? p.text : null;
    }
    if (text == null) {
      return; // settled or refined meanwhile
    }
    long in = tokens.count(p.provider, p.requestedModel, text);
    long exact = price(p, p.requestedModel, in, 0, 0, p.maxOutputTokens, 0);
    tally.refine(p, Math.max(exact, 0));
  }

  /** Cap, calls and warning against the spend so far; records the first limit hit. */
  private void check(
      Ticket t, BudgetRule rule, String model, long spent, long calls, long estimate) {
    if (rule.maxLlmCalls() != null && calls + 1 > rule.maxLlmCalls()) {
      t.hit(
          BudgetLimit.CONVERSATION_MAX_LLM_CALLS,
          new BigDecimal(rule.maxLlmCalls()),
          BigDecimal.valueOf(calls + 1));
      return;
    }
    if (estimate < 0 && settings.blockUnpriced() && rule.capUsd() != null) {
      t.hit(BudgetLimit.CONVERSATION_CAP_USD, rule.capUsd(), null);
      t.unpriced = true;
      return;
    }
    long reach = spent + Math.max(estimate, 0);
    if (rule.capPico >= 0 && reach > rule.capPico) {
      t.hit(BudgetLimit.CONVERSATION_CAP_USD, rule.capUsd(), Money.toUsd(reach));
      return;
    }
    if (rule.warnPico >= 0 && reach > rule.warnPico) {
      t.hit(BudgetLimit.CONVERSATION_WARN_USD, rule.warnUsd(), Money.toUsd(reach));
      t.warnOnly = true;
      t.outcome = BudgetTicket.OUTCOME_WARN;
    }
  }

  /** A limit was hit: what the rule's action makes of it. */
  private void resolve(
      Ticket t,
      BudgetRule rule,
      BudgetCall call,
      CharSequence text,
      long inputTokens,
      long maxOut,
      long spent) {
    BudgetAction action = rule.action();
    if (action == BudgetAction.WARN) {
      t.outcome = BudgetTicket.OUTCOME_WARN;
      return;
    }
    String cheaper = call.model == null ? null : rule.downgrade().get(call.model);
    boolean downgradable =
        action == BudgetAction.DOWNGRADE
            && cheaper != null
            && (call.downgradable == null || call.downgradable.test(cheaper))
            && !t.spendUnknown
            && !BudgetLimit.CONVERSATION_MAX_LLM_CALLS.equals(t.limitName);
    if (downgradable) {
      long inCheaper =
          call.inputTokens >= 0 ? call.inputTokens : tokens.count(call.provider, cheaper, text);
      long est = estimate(call, cheaper, inCheaper, maxOut);
      boolean fitsTokens =
          rule.callMaxTokens() == null || inCheaper + maxOut <= rule.callMaxTokens();
      boolean fitsCap =
          rule.capPico < 0
              || (est >= 0 && spent + est <= rule.capPico)
              || (est < 0 && !settings.blockUnpriced() && spent <= rule.capPico);
      if (fitsTokens && fitsCap) {
        t.outcome = BudgetTicket.OUTCOME_DOWNGRADE;
        t.downgradeModel = cheaper;
        t.estimatePico = est;
        return;
      }
    }
    t.outcome = BudgetTicket.OUTCOME_BLOCK;
    t.exception =
        new ConversationBudgetExceededException(
            call.conversationId == null ? "(none)" : call.conversationId,
            t.limitName,
            t.limitValue,
            t.reach);
  }

  private static CharSequence text(BudgetCall call) {
    return call.inputText == null ? null : call.inputText.get();
  }

  long estimate(BudgetCall call, String model, long inputTokens, long maxOut) {
    if (pricer == null) {
      return CallPricer.UNKNOWN;
    }
    return pricer.pricePico(call.provider, model, inputTokens, 0, 0, maxOut, 0, call.serviceTier);
  }

  /**
   * Asks the receiver when the cached answer is due; false when the spend cannot be known (the
   * receiver could not be asked). Fail-open callers carry on with this process's ledger.
   */
  private boolean refreshRemote(SpendLedger.Tally tally, String conversationId) {
    if (remote == null) {
      return true;
    }
    long now = nanoClock.getAsLong();
    synchronized (tally) {
      if (tally.remoteDueNanos != 0 && now - tally.remoteDueNanos < 0) {
        return !tally.remoteFailed;
      }
      // Others go on with the answer in hand while this thread asks.
      tally.remoteDueNanos = now + settings.remoteCacheMillis() * 1_000_000L;
    }
    try {
      RemoteSpend.Snapshot s = remote.fetch(conversationId);
      tally.remote(s, now + settings.remoteCacheMillis() * 1_000_000L);
      return true;
    } catch (IOException | RuntimeException e) {
      synchronized (tally) {
        tally.remoteFailed = true;
      }
      if (remoteWarned.compareAndSet(false, true)) {
        log.accept(
            "costtrace budgets: cannot ask the receiver at "
                + remote.describe()
                + " for cross-process spend ("
                + e
                + "); "
                + (settings.failClosed()
                    ? "failing closed: calls of conversations with limits are blocked while it is unreachable"
                    : "failing open: using this process's spend only")
                + ". This warning is logged once.");
      }
      return false;
    }
  }

  @Override
  public BudgetRemaining remaining(String conversationId) {
    SpendLedger.Tally t = ledger.tally(conversationId);
    // The rule of the conversation's calls so far (its tenant, feature), else the global one.
    BudgetRule rule = t.lastRule != null ? t.lastRule : rules.current().global();
    if (rule.capUsd() == null && rule.maxLlmCalls() == null) {
      return BudgetRemaining.UNLIMITED;
    }
    refreshRemote(t, conversationId);
    long spent;
    long calls;
    synchronized (t) {
      spent = t.spentPico() + t.reservedPico;
      calls = t.knownCalls();
    }
    BigDecimal usd = rule.capUsd() == null ? null : Money.toUsd(Math.max(0, rule.capPico - spent));
    Long left = rule.maxLlmCalls() == null ? null : Math.max(0, rule.maxLlmCalls() - calls);
    return new BudgetRemaining(usd, left, Money.toUsd(spent));
  }

  void settle(Ticket t, long actualPico) {
    if (t.tally != null) {
      t.tally.settle(t, actualPico);
    }
  }

  /**
   * Settles a call whose usage was not seen at its estimate: the counted one, as exact counting
   * would have kept, for a call admitted on its bound.
   */
  void settleAtEstimate(Ticket t) {
    SpendLedger.Tally tally = t.tally;
    if (tally == null) {
      return;
    }
    refine(tally, t);
    tally.settleAtReservation(t);
  }

  long price(
      Ticket t,
      String model,
      long in,
      long cacheRead,
      long cacheCreation,
      long out,
      long reasoning) {
    return pricer == null
        ? CallPricer.UNKNOWN
        : pricer.pricePico(
            t.provider, model, in, cacheRead, cacheCreation, out, reasoning, t.serviceTier);
  }

  /** Defaults in one place: a new ledger, jtokkit, no remote, the system clock, no log. */
  public static final class Builder {
    private final BudgetSettings settings;
    private final CallPricer pricer;
    private BudgetRulesSource rules;
    private SpendLedger ledger;
    private TokenEstimator tokens;
    private RemoteSpend remote;
    private String serviceName;
    private LongSupplier nanoClock = System::nanoTime;
    private Consumer<String> log = line -> {};

    private Builder(BudgetSettings settings, CallPricer pricer) {
      this.settings = settings;
      this.pricer = pricer;
    }

    public Builder rules(BudgetRulesSource v) {
      this.rules = v;
      return this;
    }

    public Builder ledger(SpendLedger v) {
      this.ledger = v;
      return this;
    }

    public Builder tokens(TokenEstimator v) {
      this.tokens = v;
      return this;
    }

    /** The receiver to ask for cross-process spend; none by default. */
    public Builder remote(RemoteSpend v) {
      this.remote = v;
      return this;
    }

    /** This process's {@code service.name}, for rules scoped by service. */
    public Builder serviceName(String v) {
      this.serviceName = v;
      return this;
    }

    public Builder nanoClock(LongSupplier v) {
      this.nanoClock = v;
      return this;
    }

    /** Where limit hits, warnings and the one unreachable-receiver warning are logged. */
    public Builder log(Consumer<String> v) {
      this.log = v;
      return this;
    }

    public BudgetEngine build() {
      return new BudgetEngine(this);
    }
  }
}
