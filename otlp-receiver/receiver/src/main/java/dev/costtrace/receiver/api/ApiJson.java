package dev.costtrace.receiver.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.costtrace.receiver.budget.ReceiverBudgets;
import dev.costtrace.sink.report.ConversationCosts;
import dev.costtrace.sink.report.CostReport;
import java.math.BigDecimal;
import java.util.Map;

/**
 * The API's JSON shapes (the OpenAPI document's schemas): money as a decimal string in USD with no
 * trailing zeros ("0.0123", "2", never a JSON number), times as RFC 3339 UTC.
 */
final class ApiJson {
  private static final ObjectMapper JSON = new ObjectMapper();

  private ApiJson() {}

  /** Exact USD as a decimal string. */
  static String usd(BigDecimal v) {
    return CostReport.exact(v);
  }

  /** A conversation's summary (ConversationSummary). */
  static ObjectNode conversation(ConversationCosts.Conversation c) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("conversation_id", c.conversationId());
    o.put("tenant_id", c.tenantId());
    o.put("user_id", c.userId());
    o.put("feature", c.feature());
    o.put("total_usd", usd(c.totalUsd()));
    o.put("llm_usd", usd(c.llmUsd()));
    o.put("tool_usd", usd(c.toolUsd()));
    o.put("infra_usd", usd(c.infraUsd()));
    o.put("turns", c.turns());
    o.put("llm_calls", c.llmCalls());
    o.put("tool_calls", c.toolCalls());
    o.put("unpriced_calls", c.unpricedCalls());
    o.put("input_tokens", c.inputTokens());
    o.put("output_tokens", c.outputTokens());
    o.put("cache_read_tokens", c.cacheReadTokens());
    o.put("cache_write_tokens", c.cacheWriteTokens());
    o.put("reasoning_tokens", c.reasoningTokens());
    o.put("first_seen", c.firstSeen().toString());
    o.put("last_seen", c.lastSeen().toString());
    return o;
  }

  /** A conversation the store has nothing of yet (Conversation with null times): all zero. */
  static ObjectNode unstoredConversation(String id) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("conversation_id", id);
    o.put("tenant_id", "");
    o.put("user_id", "");
    o.put("feature", "");
    for (String usd : new String[] {"total_usd", "llm_usd", "tool_usd", "infra_usd"}) {
      o.put(usd, "0");
    }
    for (String count :
        new String[] {
          "turns",
          "llm_calls",
          "tool_calls",
          "unpriced_calls",
          "input_tokens",
          "output_tokens",
          "cache_read_tokens",
          "cache_write_tokens",
          "reasoning_tokens"
        }) {
      o.put(count, 0);
    }
    o.putNull("first_seen");
    o.putNull("last_seen");
    return o;
  }

  /**
   * A conversation's budget state (BudgetState). The spend the limits apply to is the stored LLM
   * and tool spend or this receiver's tally of what it acknowledged, whichever is larger: the tally
   * is ahead of the store, the store covers every receiver.
   *
   * @param budgets null when budgets are off
   * @param recent the tally, or null
   */
  static ObjectNode budget(
      ReceiverBudgets budgets,
      String tenant,
      String feature,
      BigDecimal storedUsd,
      long storedCalls,
      ReceiverBudgets.Spend recent) {
    BigDecimal spent = storedUsd;
    long calls = storedCalls;
    if (recent != null) {
      spent = spent.max(recent.usd());
      calls = Math.max(calls, recent.llmCalls());
    }
    Map<String, Object> state =
        budgets == null
            ? Map.of("state", "no_limits")
            : budgets.state(tenant, feature, null, spent, calls);
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("state", (String) state.get("state"));
    o.put("blocked", Boolean.TRUE.equals(state.get("blocked")));
    o.put("spent_usd", usd(spent));
    o.put("llm_calls", calls);
    state.forEach(
        (k, v) -> {
          if (!k.equals("state") && !k.equals("blocked")) {
            o.set(k, JSON.valueToTree(v));
          }
        });
    return o;
  }

  /** One call (Call). */
  static ObjectNode call(ConversationCosts.Call c) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("trace_id", c.traceId());
    o.put("span_id", c.spanId());
    o.put("start", c.start().toString());
    o.put("end", c.end().toString());
    o.put("service", c.service());
    o.put("provider", c.provider());
    o.put("model", c.model());
    o.put("operation", c.operation());
    o.put("input_tokens", c.inputTokens());
    o.put("cache_read_tokens", c.cacheReadTokens());
    o.put("cache_write_tokens", c.cacheWriteTokens());
    o.put("output_tokens", c.outputTokens());
    o.put("reasoning_tokens", c.reasoningTokens());
    o.put("total_usd", usd(c.totalUsd()));
    o.put("pricing_status", c.pricingStatus());
    o.put("pricing_reason", c.pricingReason());
    return o;
  }

  /** One group of spend (CostGroup): only the keys grouped by appear. */
  static ObjectNode group(ConversationCosts.Group g) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    if (g.tenant() != null) {
      o.put("tenant", g.tenant());
    }
    if (g.feature() != null) {
      o.put("feature", g.feature());
    }
    if (g.model() != null) {
      o.put("model", g.model());
    }
    if (g.day() != null) {
      o.put("day", g.day().toString());
    }
    o.put("total_usd", usd(g.totalUsd()));
    o.put("infra_usd", usd(g.infraUsd()));
    o.put("conversations", g.conversations());
    o.put("turns", g.turns());
    o.put("p50_usd", usd(g.p50Usd()));
    o.put("p95_usd", usd(g.p95Usd()));
    o.put("p99_usd", usd(g.p99Usd()));
    o.put("max_usd", usd(g.maxUsd()));
    if (g.estimate() != null) {
      o.set("estimated_under_sampling", estimate(g.estimate()));
    }
    return o;
  }

  /** An estimate under sampling, always apart from the counted figures beside it. */
  static ObjectNode estimate(ConversationCosts.Estimate e) {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("sampled_calls", e.sampledCalls());
    o.put("counted_usd", usd(e.countedUsd()));
    o.put("estimated_usd", usd(e.estimatedUsd()));
    return o;
  }
}
