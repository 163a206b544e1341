package dev.costtrace.budget;

import static org.assertj.core.api.Assertions.assertThat;

import dev.costtrace.budget.api.BudgetLimit;
import dev.costtrace.budget.api.ConversationBudgetExceededException;
import dev.costtrace.budget.api.internal.BudgetCall;
import dev.costtrace.budget.api.internal.BudgetTicket;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * The upper-bound fast path of {@link BudgetEngine#admit}: far from every limit the prompt is not
 * tokenized; near one it is, and every decision is the one exact counting makes, calls in flight
 * included. The oracle is the same engine given each prompt's exact count (no text, no bound).
 */
class BudgetFastPathTest {
  /** 149 bytes of ASCII, 34 o200k tokens. */
  static final String PROMPT =
      "You are a helpful assistant for a travel site. The user asks: what is"
          + " the capital of France, and what are three things to see there on a first visit?";

  /** Multi-byte text: 2-, 3- and 4-byte characters make the bound several times the count. */
  static final String UNICODE = "Grüße aus Köln! 東京で一番おいしいラーメンはどこですか? 🚀🚀 Ça va très bien.";

  /** gpt-4o at $1 per million input tokens, $2 per million output (picodollars per token). */
  static final CallPricer PRICER =
      (provider, model, in, cacheRead, cacheWrite, out, reasoning, tier) ->
          model.startsWith("gpt-4o") ? in * 1_000_000L + out * 2_000_000L : CallPricer.UNKNOWN;

  /** One real tokenizer for every test: loading o200k takes about a second. */
  static final TokenEstimator REAL = new TokenEstimator();

  /** Counts tokenizer runs; the real counts otherwise. */
  static final class CountingEstimator extends TokenEstimator {
    final AtomicInteger runs = new AtomicInteger();

    @Override
    public long count(String provider, String model, CharSequence text) {
      runs.incrementAndGet();
      return REAL.count(provider, model, text);
    }

    @Override
    public boolean exact(String provider, String model) {
      return REAL.exact(provider, model);
    }
  }

  final CountingEstimator tokens = new CountingEstimator();

  BudgetEngine engine(Map<String, String> settings, TokenEstimator estimator) {
    return BudgetEngine.builder(BudgetSettings.from(settings::get), PRICER)
        .tokens(estimator)
        .build();
  }

  /** A call as the instrumentation makes it: the prompt's text, tokens not counted. */
  static BudgetCall withText(String conversation, String text, long maxOut) {
    BudgetCall c = new BudgetCall();
    c.conversationId = conversation;
    c.provider = "openai";
    c.model = "gpt-4o";
    c.inputText = () -> text;
    c.maxOutputTokens = maxOut;
    return c;
  }

  /** The same call with its exact count given: what exact counting decides. */
  static BudgetCall counted(String conversation, String text, long maxOut) {
    BudgetCall c = withText(conversation, null, maxOut);
    c.inputText = null;
    c.inputTokens = REAL.count("openai", "gpt-4o", text);
    return c;
  }

  static long exactTokens(String text) {
    return REAL.count("openai", "gpt-4o", text);
  }

  @Test
  void theBoundIsAtLeastTheCount() {
    assertThat(exactTokens(PROMPT)).isEqualTo(34);
    for (String s : new String[] {PROMPT, UNICODE, "é", "東", "🚀", "a\uD800b", ""}) {
      assertThat(TokenEstimator.utf8Bytes(s)).isGreaterThanOrEqualTo(exactTokens(s));
    }
    for (String s : new String[] {PROMPT, UNICODE, "é", "東", "🚀"}) {
      assertThat(TokenEstimator.utf8Bytes(s)).isEqualTo(s.getBytes(StandardCharsets.UTF_8).length);
    }
    assertThat(TokenEstimator.utf8Bytes("a\uD800b")).isEqualTo(4); // a lone surrogate: 2, not less
    assertThat(TokenEstimator.utf8Bytes(null)).isZero();
  }

  @Test
  void farFromTheLimitsThePromptIsNotTokenized() {
    BudgetEngine e =
        engine(
            Map.of(
                "costtrace.budget.conversation.warn.usd", "0.50",
                "costtrace.budget.conversation.cap.usd", "1.00",
                "costtrace.budget.call.max.tokens", "10000"),
            tokens);
    for (int i = 0; i < 20; i++) {
      BudgetTicket t = e.admit(withText("c", i % 2 == 0 ? PROMPT : UNICODE, 100));
      assertThat(t.outcome()).isEqualTo("allow");
      t.settle("gpt-4o", 40, 0, 0, 60, 0);
    }
    assertThat(tokens.runs).hasValue(0);
    BudgetTicket t = e.admit(withText("c", PROMPT, 100));
    // The bound's estimate is what it reserved: 149 × $1/M + 100 × $2/M.
    assertThat(t.spanAttributes())
        .containsEntry("costtrace.budget.estimate.input_tokens", 149L)
        .containsEntry("costtrace.budget.estimate.input_tokens_bound", "utf8_bytes")
        .containsEntry("costtrace.budget.estimate_usd", "0.000349");
    assertThat(e.remaining("c").spentUsd())
        .isEqualByComparingTo("0.003549"); // 20 × 0.00016 + bound
  }

  @Test
  void nearTheCapThePromptIsTokenizedAndTheCallFits() {
    // Bound: 149 in + 100 out = $0.000349 > cap; counted: 34 in = $0.000234 fits.
    BudgetEngine e = engine(Map.of("costtrace.budget.conversation.cap.usd", "0.0003"), tokens);
    BudgetTicket t = e.admit(withText("c", PROMPT, 100));
    assertThat(t.outcome()).isEqualTo("allow");
    assertThat(tokens.runs).hasValue(1);
    assertThat(t.spanAttributes())
        .containsEntry("costtrace.budget.estimate.input_tokens", 34L)
        .containsEntry("costtrace.budget.estimate_usd", "0.000234")
        .doesNotContainKey("costtrace.budget.estimate.input_tokens_bound");
  }

  @Test
  void nearTheWarningThePromptIsTokenizedAndNoWarningIsMade() {
    // Bound $0.000349 would pass the warning at $0.0003; the counted $0.000234 does not.
    BudgetEngine e =
        engine(
            Map.of(
                "costtrace.budget.conversation.warn.usd", "0.0003",
                "costtrace.budget.conversation.cap.usd", "1"),
            tokens);
    BudgetTicket t = e.admit(withText("c", PROMPT, 100));
    assertThat(t.outcome()).isEqualTo("allow");
    assertThat(t.eventName()).isNull();
    assertThat(tokens.runs).hasValue(1);
    t.settle("gpt-4o", 34, 0, 0, 100, 0); // $0.000234 settled: below the warning still
    BudgetTicket second = e.admit(withText("c", PROMPT, 100));
    assertThat(second.eventName()).isEqualTo("costtrace.budget.warning");
    assertThat(tokens.runs).hasValue(2);
    second.settle("gpt-4o", 34, 0, 0, 100, 0); // $0.000468: past the warning
    BudgetTicket third = e.admit(withText("c", PROMPT, 100));
    assertThat(third.outcome()).isEqualTo("warn");
    assertThat(tokens.runs).hasValue(2); // certain whatever the count: the bound decided
  }

  @Test
  void nearTheTokenLimitThePromptIsTokenized() {
    // 34 + 100 fits 200; the bound 149 + 100 does not: counted, allowed. 34 + 170 does not fit.
    BudgetEngine e = engine(Map.of("costtrace.budget.call.max.tokens", "200"), tokens);
    assertThat(e.admit(withText(null, PROMPT, 100)).outcome()).isEqualTo("allow");
    assertThat(tokens.runs).hasValue(1);
    BudgetTicket over = e.admit(withText(null, PROMPT, 170));
    assertThat(over.outcome()).isEqualTo("block");
    assertThat(((ConversationBudgetExceededException) over.exception()).spend())
        .isEqualByComparingTo("204");
    assertThat(e.admit(withText(null, PROMPT, 10)).outcome()).isEqualTo("allow");
    assertThat(tokens.runs).hasValue(2); // 149 + 10 fits: the bound decided
  }

  @Test
  void decisionsNearTheCapAreThoseOfExactCounting() {
    Map<String, String> s =
        Map.of(
            "costtrace.budget.conversation.warn.usd", "0.003",
            "costtrace.budget.conversation.cap.usd", "0.005");
    BudgetEngine fast = engine(s, tokens);
    BudgetEngine exact = engine(s, REAL);
    String[] prompts = {PROMPT, UNICODE};
    List<String> fastOutcomes = new ArrayList<>();
    List<String> exactOutcomes = new ArrayList<>();
    long cap = Money.toPico(new BigDecimal("0.005"));
    long spent = 0;
    int firstPastCap = -1;
    int calls = 0;
    // Until three calls past the first refused one (a smaller prompt may still fit after it).
    for (int i = 0; firstPastCap < 0 || i <= firstPastCap + 3; i++) {
      String text = prompts[i % 2];
      long in = exactTokens(text);
      if (firstPastCap < 0 && spent + in * 1_000_000L + 100 * 2_000_000L > cap) {
        firstPastCap = i;
      }
      BudgetTicket f = fast.admit(withText("c", text, 100));
      BudgetTicket x = exact.admit(counted("c", text, 100));
      fastOutcomes.add(f.outcome() + "/" + limit(f));
      exactOutcomes.add(x.outcome() + "/" + limit(x));
      // The vendor's usage: the exact input, 70 of the 100 output tokens.
      f.settle("gpt-4o", in, 0, 0, 70, 0);
      x.settle("gpt-4o", in, 0, 0, 70, 0);
      if (!"block".equals(x.outcome())) {
        spent += in * 1_000_000L + 70 * 2_000_000L;
      }
      calls++;
    }
    assertThat(fastOutcomes).isEqualTo(exactOutcomes);
    // Exactly the first call whose counted estimate passes the cap is blocked, none before it.
    assertThat(firstPastCap).isPositive();
    assertThat(fastOutcomes.indexOf("block/" + BudgetLimit.CONVERSATION_CAP_USD))
        .isEqualTo(firstPastCap);
    assertThat(fastOutcomes.subList(0, firstPastCap)).noneMatch(o -> o.startsWith("block"));
    assertThat(fastOutcomes).contains("allow/null", "warn/" + BudgetLimit.CONVERSATION_WARN_USD);
    assertThat(fast.remaining("c").spentUsd())
        .isEqualByComparingTo(exact.remaining("c").spentUsd());
    // The bound decided the calls far from both thresholds; past the warning it decides too (a
    // warning is certain there), so only calls near a threshold were counted.
    assertThat(tokens.runs.get()).isPositive().isLessThan(calls / 2);
  }

  @Test
  void aBoundReservationDoesNotRefuseAConcurrentCallThatFits() {
    // Counted: 34 in + 100 out = $0.000234 each, two fit $0.0005; with A's bound ($0.000349)
    // reserved, B would not.
    Map<String, String> s = Map.of("costtrace.budget.conversation.cap.usd", "0.0005");
    BudgetEngine fast = engine(s, tokens);
    BudgetEngine exact = engine(s, REAL);
    BudgetTicket a = fast.admit(withText("c", PROMPT, 100));
    assertThat(a.spanAttributes())
        .containsEntry("costtrace.budget.estimate.input_tokens_bound", "utf8_bytes");
    assertThat(tokens.runs).hasValue(0);
    BudgetTicket b = fast.admit(withText("c", PROMPT, 100)); // A still in flight
    assertThat(b.outcome()).isEqualTo("allow");
    assertThat(tokens.runs).hasValue(2); // B's prompt, then A's to price its reservation exactly
    BudgetTicket c = fast.admit(withText("c", PROMPT, 100));
    assertThat(c.outcome()).isEqualTo("block");
    assertThat(((ConversationBudgetExceededException) c.exception()).spend())
        .isEqualByComparingTo("0.000702");

    BudgetTicket xa = exact.admit(counted("c", PROMPT, 100));
    BudgetTicket xb = exact.admit(counted("c", PROMPT, 100));
    BudgetTicket xc = exact.admit(counted("c", PROMPT, 100));
    assertThat(List.of(xa.outcome(), xb.outcome(), xc.outcome()))
        .containsExactly(a.outcome(), b.outcome(), c.outcome());
    assertThat(fast.remaining("c").spentUsd())
        .isEqualByComparingTo(exact.remaining("c").spentUsd())
        .isEqualByComparingTo("0.000468");
    a.release();
    b.release();
    assertThat(fast.remaining("c").spentUsd()).isEqualByComparingTo("0");
  }

  @Test
  void aCallWithoutUsageKeepsTheCountedEstimate() {
    BudgetEngine e = engine(Map.of("costtrace.budget.conversation.cap.usd", "1"), tokens);
    BudgetTicket t = e.admit(withText("c", PROMPT, 100));
    assertThat(e.remaining("c").spentUsd()).isEqualByComparingTo("0.000349"); // the bound reserved
    t.settle(null, -1, -1, -1, -1, -1);
    assertThat(e.remaining("c").spentUsd()).isEqualByComparingTo("0.000234"); // as counting keeps
    t.settle(null, -1, -1, -1, -1, -1); // once only
    assertThat(e.remaining("c").spentUsd()).isEqualByComparingTo("0.000234");
  }

  @Test
  void boundedCallsInFlightPerConversationAreCapped() {
    BudgetEngine e = engine(Map.of("costtrace.budget.conversation.cap.usd", "1"), tokens);
    List<BudgetTicket> inFlight = new ArrayList<>();
    for (int i = 0; i < BudgetEngine.MAX_PROVISIONAL; i++) {
      inFlight.add(e.admit(withText("c", PROMPT, 100)));
    }
    assertThat(tokens.runs).hasValue(0);
    BudgetTicket next = e.admit(withText("c", PROMPT, 100));
    assertThat(next.outcome()).isEqualTo("allow");
    assertThat(tokens.runs).hasValue(1); // counted: it does not keep its prompt
    inFlight.get(0).settle("gpt-4o", 34, 0, 0, 10, 0);
    e.admit(withText("c", PROMPT, 100));
    assertThat(tokens.runs).hasValue(1); // a slot is free again
    assertThat(e.admit(withText("other", PROMPT, 100)).outcome()).isEqualTo("allow");
    assertThat(tokens.runs).hasValue(1); // per conversation
  }

  @Test
  void otherVendorsKeepTheirApproximation() {
    Map<String, String> s = new HashMap<>(Map.of("costtrace.budget.conversation.cap.usd", "1"));
    BudgetEngine e = engine(s, tokens);
    BudgetCall c = withText("c", PROMPT, 100);
    c.provider = "anthropic";
    c.model = "claude-sonnet-4-5";
    BudgetTicket t = e.admit(c);
    assertThat(t.spanAttributes())
        .containsEntry("costtrace.budget.estimate.input_tokens", 50L) // ceil(149 / 3)
        .doesNotContainKey("costtrace.budget.estimate.input_tokens_bound");
  }

  private static String limit(BudgetTicket t) {
    Object l = t.spanAttributes().get("costtrace.budget.limit");
    return String.valueOf(l);
  }
}
