package dev.costtrace.receiver.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.costtrace.receiver.auth.BearerTokens;
import dev.costtrace.receiver.budget.ReceiverBudgets;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * {@code GET /api/v1/conversations/{id}}: the conversation's cost and budget state, as stored in
 * ClickHouse and, for spend the receiver has acknowledged but not yet written, as its in-memory
 * tally has it (the larger of the two: the tally covers every span of the conversation this
 * receiver took since it started; the table every span written by any receiver). Unknown: 404.
 * Errors are RFC 9457 {@code application/problem+json}. With auth on, the bearer token's tenant
 * is the only one whose conversations are found.
 */
public final class ConversationApi implements HttpHandler {
  public static final String PATH = "/api/v1/conversations/";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ConversationQuery query;
  private final ReceiverBudgets budgets;
  private final BearerTokens tokens;

  /**
   * @param budgets the receiver's tally and rules, or null when budgets are off
   * @param tokens bearer tokens when auth is on, else null
   */
  public ConversationApi(ConversationQuery query, ReceiverBudgets budgets, BearerTokens tokens) {
    this.query = query;
    this.budgets = budgets;
    this.tokens = tokens;
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      if (!"GET".equals(exchange.getRequestMethod())) {
        exchange.getResponseHeaders().set("Allow", "GET");
        problem(exchange, 405, "Method Not Allowed", "only GET is served here");
        return;
      }
      String tenant = "";
      if (tokens != null) {
        tenant = tokens.tenantFor(exchange.getRequestHeaders().getFirst("Authorization"));
        if (tenant == null) {
          exchange.getResponseHeaders().set("WWW-Authenticate", "Bearer realm=\"costtrace\"");
          problem(exchange, 401, "Unauthorized", "a bearer token from the tokens file is required");
          return;
        }
      }
      String raw = exchange.getRequestURI().getRawPath().substring(PATH.length());
      String id = URLDecoder.decode(raw, StandardCharsets.UTF_8);
      if (id.isEmpty() || id.contains("/")) {
        problem(exchange, 404, "Not Found", "no such resource: " + exchange.getRequestURI().getPath());
        return;
      }
      Optional<ConversationCost> stored;
      try {
        stored = query.find(id, tenant);
      } catch (RuntimeException e) {
        problem(exchange, 503, "Service Unavailable", "ClickHouse could not be queried: " + e.getMessage());
        return;
      }
      ReceiverBudgets.Spend recent = budgets == null ? null : budgets.spend(id);
      if (stored.isEmpty() && (recent == null || !tenant.isEmpty())) {
        // With auth on, the tally (which does not know tenants reliably) answers nothing alone.
        problem(exchange, 404, "Not Found", "no conversation " + id);
        return;
      }
      json(exchange, 200, body(id, stored.orElse(null), recent));
    }
  }

  private Map<String, Object> body(String id, ConversationCost c, ReceiverBudgets.Spend recent) {
    BigDecimal total = c == null ? BigDecimal.ZERO : c.totalUsd();
    long calls = c == null ? 0 : c.llmCalls();
    if (recent != null) {
      total = total.max(recent.usd());
      calls = Math.max(calls, recent.llmCalls());
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("conversation_id", id);
    m.put("tenant_id", c == null ? "" : c.tenantId());
    m.put("user_id", c == null ? "" : c.userId());
    m.put("feature", c == null ? "" : c.feature());
    m.put("total_usd", total.stripTrailingZeros().toPlainString());
    m.put("llm_calls", calls);
    m.put("tool_calls", c == null ? 0 : c.toolCalls());
    m.put("turns", c == null ? 0 : c.turns());
    Map<String, Object> tokens = new LinkedHashMap<>();
    tokens.put("input", c == null ? 0 : c.inputTokens());
    tokens.put("output", c == null ? 0 : c.outputTokens());
    tokens.put("cache_read", c == null ? 0 : c.cacheReadTokens());
    tokens.put("reasoning", c == null ? 0 : c.reasoningTokens());
    m.put("tokens", tokens);
    m.put("first_seen", c == null ? null : c.firstSeen());
    m.put("last_seen", c == null ? null : c.lastSeen());
    m.put("budget", budgets == null
        ? Map.of("state", "no_limits")
        : budgets.state(c == null ? "" : c.tenantId(), c == null ? "" : c.feature(), null, total, calls));
    return m;
  }

  static void problem(HttpExchange exchange, int status, String title, String detail) throws IOException {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("type", "about:blank");
    p.put("title", title);
    p.put("status", status);
    p.put("detail", detail);
    p.put("instance", exchange.getRequestURI().getPath());
    send(exchange, status, "application/problem+json", JSON.writeValueAsBytes(p));
  }

  private static void json(HttpExchange exchange, int status, Object body) throws IOException {
    send(exchange, status, "application/json", JSON.writeValueAsBytes(body));
  }

  private static void send(HttpExchange exchange, int status, String type, byte[] body) throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }
}
