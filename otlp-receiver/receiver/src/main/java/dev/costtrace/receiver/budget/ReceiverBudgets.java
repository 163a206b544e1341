package dev.costtrace.receiver.budget;

import dev.costtrace.budget.BudgetAction;
import dev.costtrace.budget.BudgetRule;
import dev.costtrace.budget.BudgetRules;
import dev.costtrace.budget.BudgetRulesSource;
import dev.costtrace.budget.Money;
import dev.costtrace.budget.api.BudgetLimit;
import dev.costtrace.receiver.metrics.MetricsSource;
import dev.costtrace.receiver.metrics.PrometheusText;
import dev.costtrace.receiver.otlp.OtlpAttributes;
import dev.costtrace.receiver.pipeline.AcceptedSpans;
import dev.costtrace.sink.SpanAttribution;
import dev.costtrace.sink.SpanColumns;
import dev.costtrace.sink.SpanCostRow;
import io.opentelemetry.proto.trace.v1.Span;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * The receiver's budgets. For every priced span it acknowledged: adds its cost and call to its
 * conversation's tally (what the conversation API reports before ClickHouse has it); records the
 * agent's decision when the span carries one ({@code costtrace.budget.action} with a limit); else
 * evaluates the rule of the span's tenant, feature and service against the tally and records each
 * threshold the conversation crosses, once per conversation and limit (an app without the agent:
 * the receiver cannot block it, only tell). A span whose conversation is not known yet (it arrives
 * on the root span, often in a later export) waits up to the attribution window for its trace's
 * attribution. Events go to the listeners (the ClickHouse store, the webhook) and the {@code
 * /metrics} counters. Tallies idle for {@link #DEFAULT_IDLE_NANOS} are dropped: past that,
 * ClickHouse has the spend.
 */
public final class ReceiverBudgets implements AcceptedSpans, MetricsSource {
  public static final long DEFAULT_IDLE_NANOS = 3_600_000_000_000L;
  public static final int DEFAULT_MAX_CONVERSATIONS = 200_000;
  static final String ATTR_ACTION = "costtrace.budget.action";
  static final String ATTR_LIMIT = "costtrace.budget.limit";
  static final String ATTR_LIMIT_VALUE = "costtrace.budget.limit_value";
  static final String ATTR_REACH = "costtrace.budget.reach";
  static final String ATTR_REQUESTED = "costtrace.budget.requested_model";
  static final String ATTR_DOWNGRADED = "costtrace.budget.downgraded_to";

  private final BudgetRulesSource rules;
  private final List<Consumer<BudgetEvent>> listeners;
  private final LongSupplier nanoClock;
  private final ConcurrentHashMap<String, Tally> tallies = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, LongAdder> eventCounts = new ConcurrentHashMap<>();

  /** Rows of traces whose conversation is not known yet, by trace ID. */
  private final ConcurrentHashMap<String, List<Held>> pending = new ConcurrentHashMap<>();

  private volatile long lastPendingSweep;

  /** At most this many traces' rows wait for their conversation. */
  public static final int DEFAULT_MAX_PENDING_TRACES = 10_000;

  /** How long a row waits for its trace's conversation: the receiver's attribution window. */
  static final long PENDING_NANOS = 30_000_000_000L;

  private record Held(SpanCostRow row, String agentAction, long acceptedNanos) {}

  public ReceiverBudgets(
      BudgetRulesSource rules, List<Consumer<BudgetEvent>> listeners, LongSupplier nanoClock) {
    this.rules = rules;
    this.listeners = List.copyOf(listeners);
    this.nanoClock = nanoClock;
  }

  /** What this receiver acknowledged for one conversation. */
  public record Spend(BigDecimal usd, long llmCalls) {}

  static final class Tally {
    long pico;
    long calls;
    long touched;
    int observed; // bit per limit the receiver already reported for this conversation
  }

  /** The tally of a conversation, or null when this receiver has seen none of it recently. */
  public Spend spend(String conversationId) {
    Tally t = tallies.get(conversationId);
    if (t == null) {
      return null;
    }
    synchronized (t) {
      return new Spend(Money.toUsd(t.pico), t.calls);
    }
  }

  /** The rules in force (for the API's budget state). */
  public BudgetRules rules() {
    return rules.current();
  }

  @Override
  public void accepted(
      List<SpanCostRow> rows, List<Span> spans, List<SpanAttribution> attributions) {
    List<BudgetEvent> events = null;
    long now = nanoClock.getAsLong();
    BudgetRules current = rules.current();
    for (int i = 0; i < rows.size(); i++) {
      SpanCostRow row = rows.get(i);
      Span span = spans.get(i);
      // The agent's decision, if an agent made one ("" when the span has none).
      String agentAction =
          emptyToNull(OtlpAttributes.string(span.getAttributesList(), ATTR_ACTION));
      BudgetEvent agentEvent = agentEvent(row, span, agentAction);
      if (agentEvent != null) {
        events = add(events, agentEvent);
      }
      if (row.get(SpanColumns.CONVERSATION_ID).isEmpty()) {
        // Its trace's conversation may come later (on the root span): with rules to evaluate,
        // the row waits for it, bounded in count and time (without rules nothing waits: an agent
        // puts the conversation on the LLM span itself, and the API reads the rest from
        // ClickHouse).
        if (current.hasLimits() && pending.size() < DEFAULT_MAX_PENDING_TRACES) {
          pending
              .computeIfAbsent(row.traceId(), k -> new ArrayList<>())
              .add(new Held(row, agentAction, now));
        }
        continue;
      }
      events = count(events, current, row, agentAction, now);
    }
    for (SpanAttribution a : attributions) {
      if (a.conversationId().isEmpty()) {
        continue;
      }
      List<Held> held = pending.remove(a.traceId());
      if (held != null) {
        for (Held h : held) {
          SpanCostRow row =
              h.row().toBuilder()
                  .set(SpanColumns.CONVERSATION_ID, a.conversationId())
                  .set(
                      SpanColumns.TENANT_ID,
                      orElse(a.tenantId(), h.row().get(SpanColumns.TENANT_ID)))
                  .set(SpanColumns.USER_ID, orElse(a.userId(), h.row().get(SpanColumns.USER_ID)))
                  .set(SpanColumns.FEATURE, orElse(a.feature(), h.row().get(SpanColumns.FEATURE)))
                  .build();
          events = count(events, current, row, h.agentAction(), now);
        }
      }
    }
    if (!pending.isEmpty() && now - lastPendingSweep > PENDING_NANOS) {
      lastPendingSweep = now;
      pending.values().removeIf(l -> now - l.get(0).acceptedNanos() > PENDING_NANOS);
    }
    if (events != null) {
      for (BudgetEvent e : events) {
        eventCounts
            .computeIfAbsent(
                e.limitName() + '\u0000' + e.action() + '\u0000' + e.source(), k -> new LongAdder())
            .increment();
        for (Consumer<BudgetEvent> l : listeners) {
          try {
            l.accept(e);
          } catch (RuntimeException ex) {
            // a listener's failure loses only its own work
          }
        }
      }
    }
  }

  /** Adds a row of a known conversation to its tally; the thresholds it passes become events. */
  private List<BudgetEvent> count(
      List<BudgetEvent> events,
      BudgetRules current,
      SpanCostRow row,
      String agentAction,
      long now) {
    Tally t = tally(row.get(SpanColumns.CONVERSATION_ID), now);
    long pico = Money.toPico(row.totalCost());
    BudgetRule rule =
        current.ruleFor(
            row.get(SpanColumns.TENANT_ID),
            row.get(SpanColumns.FEATURE),
            row.get(SpanColumns.SERVICE_NAME));
    synchronized (t) {
      t.pico += pico;
      if (row.get(SpanColumns.TOOL_NAME).isEmpty() && !"block".equals(agentAction)) {
        t.calls++; // a call the agent blocked was never made
      }
      t.touched = now;
      if (agentAction == null && rule.hasLimits()) {
        events = observe(events, t, rule, row);
      }
    }
    return events;
  }

  private Tally tally(String conversation, long now) {
    Tally t = tallies.get(conversation);
    if (t == null) {
      t = tallies.computeIfAbsent(conversation, k -> new Tally());
      if (tallies.size() > DEFAULT_MAX_CONVERSATIONS) {
        evict(now);
      }
    }
    return t;
  }

  private void evict(long now) {
    for (Iterator<Tally> it = tallies.values().iterator(); it.hasNext(); ) {
      Tally t = it.next();
      if (now - t.touched > DEFAULT_IDLE_NANOS) {
        it.remove();
      }
    }
  }

  /** The agent's decision recorded on the span: an event when a limit was involved. */
  private static BudgetEvent agentEvent(SpanCostRow row, Span span, String action) {
    if (action == null) {
      return null;
    }
    var attrs = span.getAttributesList();
    String limit = emptyToNull(OtlpAttributes.string(attrs, ATTR_LIMIT));
    if (limit == null) {
      return null; // allowed with no limit involved: not an event
    }
    return new BudgetEvent(
        row.startEpochNanos(),
        row.get(SpanColumns.CONVERSATION_ID),
        row.get(SpanColumns.TENANT_ID),
        row.get(SpanColumns.FEATURE),
        row.get(SpanColumns.SERVICE_NAME),
        row.traceId(),
        row.spanId(),
        limit,
        action,
        nonNull(OtlpAttributes.string(attrs, ATTR_LIMIT_VALUE)),
        nonNull(OtlpAttributes.string(attrs, ATTR_REACH)),
        emptyToNull(OtlpAttributes.string(attrs, ATTR_REQUESTED)) != null
            ? OtlpAttributes.string(attrs, ATTR_REQUESTED)
            : row.get(SpanColumns.REQUEST_MODEL),
        nonNull(OtlpAttributes.string(attrs, ATTR_DOWNGRADED)),
        BudgetEvent.SOURCE_AGENT);
  }

  /** Thresholds this span took the conversation past, each reported once. */
  private static List<BudgetEvent> observe(
      List<BudgetEvent> events, Tally t, BudgetRule rule, SpanCostRow row) {
    if (rule.warnUsd() != null && (t.observed & 1) == 0 && t.pico > Money.toPico(rule.warnUsd())) {
      t.observed |= 1;
      events =
          add(
              events,
              observed(
                  row, BudgetLimit.CONVERSATION_WARN_USD, rule.warnUsd(), Money.toUsd(t.pico)));
    }
    if (rule.capUsd() != null && (t.observed & 2) == 0 && t.pico > Money.toPico(rule.capUsd())) {
      t.observed |= 2;
      events =
          add(
              events,
              observed(row, BudgetLimit.CONVERSATION_CAP_USD, rule.capUsd(), Money.toUsd(t.pico)));
    }
    if (rule.maxLlmCalls() != null && (t.observed & 4) == 0 && t.calls > rule.maxLlmCalls()) {
      t.observed |= 4;
      events =
          add(
              events,
              observed(
                  row,
                  BudgetLimit.CONVERSATION_MAX_LLM_CALLS,
                  BigDecimal.valueOf(rule.maxLlmCalls()),
                  BigDecimal.valueOf(t.calls)));
    }
    Long maxTokens = rule.callMaxTokens();
    long tokens = row.get(SpanColumns.INPUT_TOKENS) + row.get(SpanColumns.OUTPUT_TOKENS);
    if (maxTokens != null && tokens > maxTokens) {
      events =
          add(
              events,
              observed(
                  row,
                  BudgetLimit.CALL_MAX_TOKENS,
                  BigDecimal.valueOf(maxTokens),
                  BigDecimal.valueOf(tokens)));
    }
    return events;
  }

  private static BudgetEvent observed(
      SpanCostRow row, String limit, BigDecimal value, BigDecimal reach) {
    return new BudgetEvent(
        row.startEpochNanos(),
        row.get(SpanColumns.CONVERSATION_ID),
        row.get(SpanColumns.TENANT_ID),
        row.get(SpanColumns.FEATURE),
        row.get(SpanColumns.SERVICE_NAME),
        row.traceId(),
        row.spanId(),
        limit,
        BudgetEvent.ACTION_OBSERVED,
        value.stripTrailingZeros().toPlainString(),
        reach.stripTrailingZeros().toPlainString(),
        row.get(SpanColumns.RESPONSE_MODEL).isEmpty()
            ? row.get(SpanColumns.REQUEST_MODEL)
            : row.get(SpanColumns.RESPONSE_MODEL),
        "",
        BudgetEvent.SOURCE_RECEIVER);
  }

  private static List<BudgetEvent> add(List<BudgetEvent> events, BudgetEvent e) {
    List<BudgetEvent> out = events == null ? new ArrayList<>() : events;
    out.add(e);
    return out;
  }

  private static String nonNull(String s) {
    return s == null ? "" : s;
  }

  /** {@code value}, or {@code fallback} when it is empty (an observation says nothing of it). */
  private static String orElse(String value, String fallback) {
    return value.isEmpty() ? fallback : value;
  }

  private static String emptyToNull(String s) {
    return s == null || s.isEmpty() ? null : s;
  }

  /**
   * The budget state of a conversation for the API: its rule's limits, what is left, and whether a
   * warning or the cap has been passed, from {@code totalUsd} and {@code llmCalls}.
   */
  public Map<String, Object> state(
      String tenant, String feature, String service, BigDecimal totalUsd, long llmCalls) {
    BudgetRule rule = rules.current().ruleFor(tenant, feature, service);
    Map<String, Object> state = new LinkedHashMap<>();
    if (!rule.hasLimits()) {
      state.put("state", "no_limits");
      return state;
    }
    String s = "ok";
    if (rule.warnUsd() != null) {
      state.put("warn_usd", rule.warnUsd().stripTrailingZeros().toPlainString());
      if (totalUsd.compareTo(rule.warnUsd()) > 0) {
        s = "warned";
      }
    }
    if (rule.capUsd() != null) {
      state.put("cap_usd", rule.capUsd().stripTrailingZeros().toPlainString());
      BigDecimal left = rule.capUsd().subtract(totalUsd);
      state.put(
          "remaining_usd",
          (left.signum() < 0 ? BigDecimal.ZERO : left).stripTrailingZeros().toPlainString());
      if (totalUsd.compareTo(rule.capUsd()) >= 0) {
        s = "capped";
      }
    }
    if (rule.maxLlmCalls() != null) {
      state.put("max_llm_calls", rule.maxLlmCalls());
      state.put("remaining_llm_calls", Math.max(0, rule.maxLlmCalls() - llmCalls));
      if (llmCalls >= rule.maxLlmCalls()) {
        s = "capped";
      }
    }
    if (rule.callMaxTokens() != null) {
      state.put("call_max_tokens", rule.callMaxTokens());
    }
    state.put("action", rule.action().id());
    state.put("state", s);
    // What the agent does with the conversation's next call: blocked only under a blocking rule.
    state.put("blocked", s.equals("capped") && rule.action() == BudgetAction.BLOCK);
    return state;
  }

  @Override
  public void writeTo(PrometheusText out) {
    for (Map.Entry<String, LongAdder> e : eventCounts.entrySet()) {
      String[] k = e.getKey().split("\u0000");
      out.counter(
          "costtrace_budget_events_total",
          "Budget warnings and limit hits, by limit, action (block, downgrade, warn; observed: seen by the receiver in an app without the agent) and source.",
          e.getValue().sum(),
          "limit",
          k[0],
          "action",
          k[1],
          "source",
          k[2]);
    }
  }
}
