package dev.costtrace.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.costtrace.budget.api.BudgetLimit;
import dev.costtrace.budget.api.BudgetRemaining;
import dev.costtrace.budget.api.ConversationBudgetExceededException;
import dev.costtrace.budget.api.internal.BudgetCall;
import dev.costtrace.budget.api.internal.BudgetTicket;
import java.io.IOException;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class BudgetEngineTest {
  /** $1 per million input tokens, $2 per million output: round numbers to check by hand. */
  static final CallPricer PRICER =
      (provider, model, in, cacheRead, cacheWrite, out, reasoning, tier) -> {
        long inRate;
        long outRate;
        switch (model) {
          case "big":
            inRate = 1_000_000; // picodollars per token = $1 / M
            outRate = 2_000_000;
            break;
          case "small":
            inRate = 100_000;
            outRate = 200_000;
            break;
          default:
            return CallPricer.UNKNOWN;
        }
        return in * inRate + out * outRate;
      };

  final List<String> log = new ArrayList<>();
  final AtomicLong clock = new AtomicLong();

  BudgetEngine engine(Map<String, String> settings) {
    return engine(settings, null);
  }

  BudgetEngine engine(Map<String, String> settings, RemoteSpend remote) {
    return BudgetEngine.builder(BudgetSettings.from(settings::get), PRICER)
        .remote(remote)
        .nanoClock(clock::get)
        .log(log::add)
        .build();
  }

  static BudgetCall call(String conversation, String model, long in, long maxOut) {
    BudgetCall c = new BudgetCall();
    c.conversationId = conversation;
    c.provider = "openai";
    c.model = model;
    c.inputTokens = in;
    c.maxOutputTokens = maxOut;
    return c;
  }

  @Test
  void noLimitsAdmitsWithoutTicket() {
    assertThat(engine(Map.of()).admit(call("c", "big", 10, 10))).isNull();
  }

  @Test
  void capBlocksTheFirstCallPastIt() {
    // Each call: 100k in + 100k out on "big" = $0.10 + $0.20 = $0.30 estimate.
    BudgetEngine e = engine(Map.of("costtrace.budget.conversation.cap.usd", "0.50"));
    BudgetTicket first = e.admit(call("c1", "big", 100_000, 100_000));
    assertThat(first.outcome()).isEqualTo("allow");
    first.settle("big", 100_000, 0, 0, 50_000, 0); // real: $0.10 + $0.10 = $0.20
    BudgetTicket second = e.admit(call("c1", "big", 100_000, 100_000)); // 0.20 + 0.30 = 0.50
    assertThat(second.outcome()).isEqualTo("allow");
    second.settle("big", 100_000, 0, 0, 100_000, 0); // spent 0.50
    BudgetTicket third = e.admit(call("c1", "big", 1, 1));
    assertThat(third.outcome()).isEqualTo("block");
    ConversationBudgetExceededException ex =
        (ConversationBudgetExceededException) third.exception();
    assertThat(ex.conversationId()).isEqualTo("c1");
    assertThat(ex.limitName()).isEqualTo(BudgetLimit.CONVERSATION_CAP_USD);
    assertThat(ex.limit()).isEqualByComparingTo("0.50");
    assertThat(ex.spend()).isEqualByComparingTo("0.500003");
    assertThat(ex.getMessage())
        .isEqualTo(
            "conversation c1 over its budget: conversation_cap_usd is $0.5, this call would reach"
                + " $0.500003");
    assertThat(third.spanAttributes())
        .containsEntry("costtrace.budget.action", "block")
        .containsEntry("costtrace.budget.limit", "conversation_cap_usd")
        .containsEntry("costtrace.budget.spend_usd", "0.5");
    assertThat(third.eventName()).isEqualTo("costtrace.budget.limit_hit");
    assertThat(log).singleElement().asString().contains("limit hit, conversation c1");
    // Another conversation is untouched.
    assertThat(e.admit(call("c2", "big", 1, 1)).outcome()).isEqualTo("allow");
  }

  @Test
  void reservationsCountCallsInFlight() {
    BudgetEngine e = engine(Map.of("costtrace.budget.conversation.cap.usd", "0.50"));
    BudgetTicket a = e.admit(call("c", "big", 100_000, 100_000)); // reserves 0.30
    BudgetTicket b = e.admit(call("c", "big", 100_000, 100_000)); // 0.60 > 0.50
    assertThat(a.outcome()).isEqualTo("allow");
    assertThat(b.outcome()).isEqualTo("block");
    a.release(); // failed: nothing spent
    assertThat(e.admit(call("c", "big", 100_000, 100_000)).outcome()).isEqualTo("allow");
  }

  @Test
  void callLimitCountsEveryAdmittedCall() {
    BudgetEngine e = engine(Map.of("costtrace.budget.conversation.max.llm.calls", "2"));
    e.admit(call("c", "big", 1, 1)).settle(null, 1, 0, 0, 1, 0);
    e.admit(call("c", "big", 1, 1)).release();
    BudgetTicket third = e.admit(call("c", "big", 1, 1));
    assertThat(third.outcome()).isEqualTo("block");
    ConversationBudgetExceededException ex =
        (ConversationBudgetExceededException) third.exception();
    assertThat(ex.limitName()).isEqualTo("conversation_max_llm_calls");
    assertThat(ex.limit()).isEqualByComparingTo("2");
    assertThat(ex.spend()).isEqualByComparingTo("3");
    assertThat(ex.getMessage()).contains("is 2 calls, this call would reach 3 calls");
  }

  @Test
  void tokensPerCallApplyWithoutConversation() {
    BudgetEngine e = engine(Map.of("costtrace.budget.call.max.tokens", "1000"));
    assertThat(e.admit(call(null, "big", 500, 500)).outcome()).isEqualTo("allow");
    BudgetTicket t = e.admit(call(null, "big", 501, 500));
    assertThat(t.outcome()).isEqualTo("block");
    assertThat(((ConversationBudgetExceededException) t.exception()).limitName())
        .isEqualTo("call_max_tokens");
  }

  @Test
  void downgradeSwitchesToTheMappedModelWhenItFits() {
    BudgetEngine e =
        engine(
            Map.of(
                "costtrace.budget.conversation.cap.usd", "0.10",
                "costtrace.budget.action", "downgrade",
                "costtrace.budget.downgrade", "big=small"));
    // big: 0.30 > 0.10; small: 0.01 + 0.02 = 0.03 fits.
    BudgetTicket t = e.admit(call("c", "big", 100_000, 100_000));
    assertThat(t.outcome()).isEqualTo("downgrade");
    assertThat(t.downgradeModel()).isEqualTo("small");
    assertThat(t.spanAttributes())
        .containsEntry("costtrace.budget.requested_model", "big")
        .containsEntry("costtrace.budget.downgraded_to", "small")
        .containsEntry("costtrace.budget.estimate_usd", "0.03");
    t.settle("small", 100_000, 0, 0, 100_000, 0);
    // 0.03 spent; small needs 0.03 more = 0.06: still fits; a model with no mapping blocks.
    BudgetTicket unmapped = e.admit(call("c", "other", 1, 1));
    assertThat(unmapped.outcome()).isEqualTo("allow"); // unpriced: allowed by default
    BudgetTicket tooBig = e.admit(call("c", "big", 1_000_000, 100_000));
    assertThat(tooBig.outcome()).isEqualTo("block"); // small would cost 0.12 > 0.10 - 0.03
  }

  @Test
  void downgradeTheClientCannotSendBlocks() {
    BudgetEngine e =
        engine(
            Map.of(
                "costtrace.budget.conversation.cap.usd", "0.10",
                "costtrace.budget.action", "downgrade",
                "costtrace.budget.downgrade", "big=small"));
    BudgetCall fixed = call("c", "big", 100_000, 100_000);
    fixed.downgradable = m -> false; // e.g. a request built before the check
    BudgetTicket t = e.admit(fixed);
    assertThat(t.outcome()).isEqualTo("block");
    assertThat(t.exception()).hasMessageContaining("conversation_cap_usd");
    BudgetCall servable = call("c", "big", 100_000, 100_000);
    servable.downgradable = "small"::equals; // e.g. a deployment serves it
    assertThat(e.admit(servable).downgradeModel()).isEqualTo("small");
  }

  @Test
  void warnActionLetsTheCallThroughWithAnEvent() {
    BudgetEngine e =
        engine(
            Map.of(
                "costtrace.budget.conversation.cap.usd", "0.10",
                "costtrace.budget.action", "warn"));
    BudgetTicket t = e.admit(call("c", "big", 100_000, 100_000));
    assertThat(t.outcome()).isEqualTo("warn");
    assertThat(t.exception()).isNull();
    assertThat(t.eventName()).isEqualTo("costtrace.budget.limit_hit");
    assertThat(t.spanAttributes()).containsEntry("costtrace.budget.limit", "conversation_cap_usd");
  }

  @Test
  void warnThresholdIsAWarningEvent() {
    BudgetEngine e =
        engine(
            Map.of(
                "costtrace.budget.conversation.warn.usd", "0.20",
                "costtrace.budget.conversation.cap.usd", "1.00"));
    assertThat(e.admit(call("c", "big", 50_000, 50_000)).eventName()).isNull(); // 0.15
    BudgetTicket t = e.admit(call("c", "big", 50_000, 50_000)); // 0.30 reserved in all
    assertThat(t.outcome()).isEqualTo("warn");
    assertThat(t.eventName()).isEqualTo("costtrace.budget.warning");
    assertThat(t.spanAttributes()).containsEntry("costtrace.budget.limit", "conversation_warn_usd");
  }

  @Test
  void unpricedModelsAreAllowedByDefaultAndBlockedOnRequest() {
    Map<String, String> s = new HashMap<>(Map.of("costtrace.budget.conversation.cap.usd", "1"));
    assertThat(engine(s).admit(call("c", "mystery", 1, 1)).outcome()).isEqualTo("allow");
    s.put("costtrace.budget.unpriced.model", "block");
    BudgetTicket t = engine(s).admit(call("c", "mystery", 1, 1));
    assertThat(t.outcome()).isEqualTo("block");
    assertThat(t.exception()).hasMessageContaining("would reach unknown");
  }

  @Test
  void remoteSpendAddsOtherProcessesAndIsCached() {
    AtomicInteger asks = new AtomicInteger();
    RemoteSpend remote =
        new RemoteSpend() {
          @Override
          public Snapshot fetch(String id) {
            // The second answer includes this process's settled call (exported meanwhile).
            String usd = asks.incrementAndGet() == 1 ? "0.40" : "0.50";
            return new Snapshot(Money.toPico(new BigDecimal(usd)), 3);
          }

          @Override
          public String describe() {
            return "test";
          }
        };
    BudgetEngine e = engine(Map.of("costtrace.budget.conversation.cap.usd", "0.50"), remote);
    BudgetTicket t = e.admit(call("c", "big", 100_000, 0)); // 0.40 + 0.10 = 0.50: fits
    assertThat(t.outcome()).isEqualTo("allow");
    t.settle("big", 100_000, 0, 0, 0, 0);
    assertThat(e.admit(call("c", "big", 1, 0)).outcome()).isEqualTo("block"); // 0.50 + ε
    assertThat(asks).hasValue(1); // within the cache time
    clock.addAndGet(3_000_000_000L);
    BudgetRemaining r = e.remaining("c");
    assertThat(asks).hasValue(2);
    assertThat(r.usd()).isEqualByComparingTo("0");
    assertThat(r.spentUsd()).isEqualByComparingTo("0.5"); // not 0.60: our call is in the 0.50
  }

  @Test
  void unreachableReceiverFailsOpenWithOneWarning() {
    RemoteSpend down =
        new RemoteSpend() {
          @Override
          public Snapshot fetch(String id) throws IOException {
            throw new IOException("connection refused");
          }

          @Override
          public String describe() {
            return "http://127.0.0.1:9";
          }
        };
    BudgetEngine e = engine(Map.of("costtrace.budget.conversation.cap.usd", "1"), down);
    for (int i = 0; i < 5; i++) {
      clock.addAndGet(3_000_000_000L);
      assertThat(e.admit(call("c" + i, "big", 1, 1)).outcome()).isEqualTo("allow");
    }
    assertThat(log)
        .singleElement()
        .asString()
        .contains("failing open")
        .contains("http://127.0.0.1:9");

    Map<String, String> closed =
        Map.of("costtrace.budget.conversation.cap.usd", "1", "costtrace.budget.fail", "closed");
    assertThat(engine(closed, down).admit(call("c", "big", 1, 1)).outcome()).isEqualTo("block");
  }

  @Test
  void settleWithoutUsageKeepsTheEstimate() {
    BudgetEngine e = engine(Map.of("costtrace.budget.conversation.cap.usd", "1"));
    e.admit(call("c", "big", 100_000, 100_000)).settle(null, -1, -1, -1, -1, -1);
    assertThat(e.remaining("c").spentUsd()).isEqualByComparingTo("0.30");
  }

  @Test
  void badSettingsNameTheKey() {
    assertThatThrownBy(
            () -> BudgetSettings.from(Map.of("costtrace.budget.conversation.cap.usd", "lots")::get))
        .hasMessage("costtrace.budget.conversation.cap.usd: not a USD amount: 'lots'");
    assertThatThrownBy(() -> BudgetSettings.from(Map.of("costtrace.budget.action", "stop")::get))
        .hasMessage("costtrace.budget.action: expected block, downgrade or warn, got 'stop'");
    assertThatThrownBy(
            () -> BudgetSettings.from(Map.of("costtrace.budget.downgrade", "gpt-4o")::get))
        .hasMessageStartingWith("costtrace.budget.downgrade: expected model=cheaper-model pairs");
  }
}
