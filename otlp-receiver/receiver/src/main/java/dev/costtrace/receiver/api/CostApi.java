package dev.costtrace.receiver.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import dev.costtrace.receiver.auth.BearerTokens;
import dev.costtrace.receiver.budget.ReceiverBudgets;
import dev.costtrace.receiver.metrics.MetricsSource;
import dev.costtrace.receiver.metrics.PrometheusText;
import dev.costtrace.sink.report.ConversationCosts;
import dev.costtrace.sink.report.ConversationCosts.Conversation;
import dev.costtrace.sink.report.ConversationCosts.Filter;
import dev.costtrace.sink.report.ConversationCosts.GroupKey;
import dev.costtrace.sink.report.ConversationCosts.Page;
import dev.costtrace.sink.report.ConversationCosts.Window;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.net.ConnectException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The conversation cost API under {@code /api/v1/}, on the receiver's HTTP port:
 *
 * <ul>
 *   <li>{@code GET /api/v1/conversations/{id}[?calls=true][&tenant=T]}: one conversation (an ID
 *       within a tenant: 409 when the ID exists in several tenants the caller sees and no tenant is
 *       named) with its budget state, which the agent's budgets read for cross-process spend;
 *   <li>{@code GET /api/v1/conversations?since=7d&limit=50&...}: conversations, most expensive
 *       first, a page at a time ({@code next} cursor);
 *   <li>{@code GET /api/v1/costs?since=30d&group_by=tenant,feature,model,day&...}: grouped spend
 *       with per-conversation percentiles;
 *   <li>{@code GET /api/v1/openapi.json}: the OpenAPI 3.1 document of all of it.
 * </ul>
 *
 * <p>Money is a decimal string (USD, exact), never a JSON number; errors are RFC 9457 problems.
 * With bearer-token auth on, a tenant's token sees that tenant only and an admin token sees all;
 * the OpenAPI document needs no token. Every read goes through {@link ConversationCosts}.
 */
public final class CostApi implements HttpHandler, MetricsSource {
  private static final Logger LOG = Logger.getLogger(CostApi.class.getName());

  /** Where the API is served. */
  public static final String PREFIX = "/api/v1/";

  static final String OPENAPI_RESOURCE = "openapi.json";
  private static final String JSON_TYPE = "application/json";
  static final Duration DEFAULT_LIST_SINCE = Duration.ofDays(7);
  static final Duration DEFAULT_COSTS_SINCE = Duration.ofDays(30);
  static final int DEFAULT_LIMIT = 50;
  static final int MAX_LIMIT = 500;
  private static final Set<String> LOOKUP_PARAMS = Set.of("calls", "tenant");

  /** Tenants one conversation ID is looked up in at most (more are reported as ambiguous too). */
  private static final int MAX_TENANTS_PER_ID = 20;

  private static final Set<String> FILTERS =
      Set.of("tenant", "user", "feature", "service", "model");
  private static final Set<String> LIST_PARAMS =
      union(FILTERS, "since", "limit", "min_usd", "cursor");
  private static final Set<String> COSTS_PARAMS = union(FILTERS, "since", "group_by");
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ConversationCosts costs;
  private final BearerTokens tokens;
  private final Clock clock;
  private final BooleanSupplier busy;
  private final Supplier<ReceiverBudgets> budgets;
  private final int maxCalls;
  private final byte[] openApi;
  private final Map<String, LongAdder> requests = new ConcurrentHashMap<>();

  /**
   * @param tokens bearer tokens when auth is on (a tenant's token sees its tenant, an admin token
   *     all), or null when every caller sees everything
   */
  public CostApi(ConversationCosts costs, BearerTokens tokens, Clock clock) {
    this(costs, tokens, clock, () -> false);
  }

  /**
   * @param busy true while a request must be answered at once without reading (the receiver's
   *     worker queue is full and the handler runs on its accepting thread): 503 with Retry-After
   */
  public CostApi(ConversationCosts costs, BearerTokens tokens, Clock clock, BooleanSupplier busy) {
    this(costs, tokens, clock, busy, () -> null);
  }

  /**
   * @param budgets the receiver's budgets (its tally and rules), asked per request; null from it
   *     when budgets are off
   */
  public CostApi(
      ConversationCosts costs,
      BearerTokens tokens,
      Clock clock,
      BooleanSupplier busy,
      Supplier<ReceiverBudgets> budgets) {
    this(costs, tokens, clock, busy, budgets, ConversationCosts.DEFAULT_MAX_CALLS);
  }

  CostApi(
      ConversationCosts costs,
      BearerTokens tokens,
      Clock clock,
      BooleanSupplier busy,
      Supplier<ReceiverBudgets> budgets,
      int maxCalls) {
    this.busy = Objects.requireNonNull(busy, "busy");
    this.budgets = Objects.requireNonNull(budgets, "budgets");
    this.costs = Objects.requireNonNull(costs, "costs");
    this.tokens = tokens;
    this.clock = Objects.requireNonNull(clock, "clock");
    this.maxCalls = maxCalls;
    this.openApi = openApiDocument();
  }

  /** The OpenAPI document as served. */
  static byte[] openApiDocument() {
    try (InputStream in = CostApi.class.getResourceAsStream(OPENAPI_RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(OPENAPI_RESOURCE + " missing");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void handle(HttpExchange exchange) throws IOException {
    String route = "unknown";
    int status;
    try (exchange) {
      String path = exchange.getRequestURI().getRawPath();
      try {
        route = route(path);
        if (busy.getAsBoolean()) {
          throw Problem.status(503, "the receiver is at capacity; retry later")
              .header("Retry-After", "1");
        }
        if (!exchange.getRequestMethod().equals("GET")) {
          throw Problem.status(405, "only GET is allowed on " + path).header("Allow", "GET");
        }
        if (route.equals("openapi")) {
          send(exchange, 200, JSON_TYPE, openApi);
          status = 200;
        } else {
          String scope = scope(exchange.getRequestHeaders().getFirst("Authorization"));
          String query = exchange.getRequestURI().getRawQuery();
          JsonNode body =
              switch (route) {
                case "conversation" -> conversation(segment(path), scope, query);
                case "conversations" -> conversations(scope, query);
                default -> costs(scope, query);
              };
          send(exchange, 200, JSON_TYPE, JSON.writeValueAsBytes(body));
          status = 200;
        }
      } catch (Problem p) {
        status = problem(exchange, p, path);
      } catch (RuntimeException e) {
        status = problem(exchange, storeFailure(e), path);
      }
    }
    requests.computeIfAbsent(route + " " + status, k -> new LongAdder()).increment();
  }

  /** Which endpoint a raw path names; unknown paths are 404 problems. */
  private static String route(String path) {
    if (path.equals(PREFIX + "openapi.json")) {
      return "openapi";
    }
    if (path.equals(PREFIX + "conversations")) {
      return "conversations";
    }
    if (path.equals(PREFIX + "costs")) {
      return "costs";
    }
    if (path.startsWith(PREFIX + "conversations/")
        && path.length() > (PREFIX + "conversations/").length()
        && path.indexOf('/', (PREFIX + "conversations/").length()) < 0) {
      return "conversation";
    }
    throw Problem.status(404, "no endpoint at " + path + "; see " + PREFIX + "openapi.json");
  }

  /** The conversation ID: the last path segment, percent-decoded ({@code %2F} for a slash). */
  private static String segment(String path) {
    String raw = path.substring((PREFIX + "conversations/").length());
    try {
      return URLDecoder.decode(raw.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw Problem.invalidParameter("id", "malformed percent-encoding");
    }
  }

  /** The tenant the caller may see ("" = all), from its bearer token when auth is on. */
  private String scope(String authorization) {
    if (tokens == null) {
      return "";
    }
    BearerTokens.Caller caller = tokens.callerFor(authorization);
    if (caller == null) {
      throw Problem.status(
              401, "missing or unknown bearer token: send 'Authorization: Bearer <token>'")
          .header("WWW-Authenticate", "Bearer realm=\"costtrace\"");
    }
    return caller.admin() ? "" : caller.tenant();
  }

  private JsonNode conversation(String id, String scope, String query) {
    ApiParams params = ApiParams.parse(query, LOOKUP_PARAMS);
    boolean withCalls = params.bool("calls");
    Filter filter = filter(params, scope, BigDecimal.ZERO);
    List<Conversation> found = costs.conversation(id, filter, MAX_TENANTS_PER_ID);
    ReceiverBudgets budgets = this.budgets.get();
    ReceiverBudgets.Spend recent = budgets == null ? null : budgets.spend(id);
    if (found.isEmpty()) {
      // Acknowledged but not written yet: the tally answers, but only to a caller that sees every
      // tenant (the tally does not know tenants).
      if (recent != null && scope.isEmpty() && filter.tenant().isEmpty()) {
        return unstored(id, recent, budgets, withCalls);
      }
      throw Problem.status(
          404,
          "no conversation '" + id + "'" + (scope.isEmpty() ? "" : " in tenant '" + scope + "'"));
    }
    if (found.size() > 1) {
      throw Problem.ambiguous(
          "conversation '"
              + id
              + "' exists in tenants "
              + String.join(", ", found.stream().map(c -> "'" + c.tenantId() + "'").toList())
              + "; add ?tenant= to choose one");
    }
    Conversation c = found.get(0);
    ObjectNode o = ApiJson.conversation(c);
    ArrayNode models = o.putArray("models");
    for (ConversationCosts.ModelUsage m : costs.models(c)) {
      models
          .addObject()
          .put("model", m.model())
          .put("calls", m.calls())
          .put("total_usd", ApiJson.usd(m.totalUsd()));
    }
    if (withCalls) {
      List<ConversationCosts.Call> calls = costs.calls(c, maxCalls + 1);
      ArrayNode out = o.putArray("calls");
      for (ConversationCosts.Call call : calls.subList(0, Math.min(maxCalls, calls.size()))) {
        out.add(ApiJson.call(call));
      }
      o.put("calls_truncated", calls.size() > maxCalls);
    }
    o.set(
        "budget",
        ApiJson.budget(
            budgets, c.tenantId(), c.feature(), c.llmUsd().add(c.toolUsd()), c.llmCalls(), recent));
    return o;
  }

  /** A conversation only this receiver's tally knows: stored figures zero, no times yet. */
  private static JsonNode unstored(
      String id, ReceiverBudgets.Spend recent, ReceiverBudgets budgets, boolean withCalls) {
    ObjectNode o = ApiJson.unstoredConversation(id);
    o.putArray("models");
    if (withCalls) {
      o.putArray("calls");
      o.put("calls_truncated", false);
    }
    o.set("budget", ApiJson.budget(budgets, "", "", BigDecimal.ZERO, 0, recent));
    return o;
  }

  private JsonNode conversations(String scope, String query) {
    ApiParams params = ApiParams.parse(query, LIST_PARAMS);
    Duration since = params.duration("since", DEFAULT_LIST_SINCE);
    int limit = params.integer("limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
    Filter filter = filter(params, scope, params.usd("min_usd", BigDecimal.ZERO));
    String fingerprint =
        ListCursor.fingerprint(
            String.join(
                "\n",
                since.toString(),
                filter.tenant(),
                filter.user(),
                filter.feature(),
                filter.service(),
                filter.model(),
                filter.minUsd().stripTrailingZeros().toPlainString()));
    ListCursor cursor = params.has("cursor") ? ListCursor.decode(params.text("cursor")) : null;
    if (cursor != null && !cursor.filters().equals(fingerprint)) {
      throw Problem.invalidParameter(
          "cursor",
          "this cursor belongs to a request with other filters;"
              + " repeat that request's since, filters and min_usd with it");
    }
    long windowEnd = cursor != null ? cursor.windowEndNanos() : nanos(clock.instant());
    Instant to = Instant.ofEpochSecond(0, windowEnd);
    Page page =
        costs.conversations(
            filter, new Window(to.minus(since), to), cursor == null ? null : cursor.after(), limit);
    ObjectNode o = JSON.createObjectNode();
    ArrayNode list = o.putArray("conversations");
    page.conversations().forEach(c -> list.add(ApiJson.conversation(c)));
    if (page.next() == null) {
      o.putNull("next");
    } else {
      o.put("next", new ListCursor(page.next(), windowEnd, fingerprint).encode());
    }
    return o;
  }

  private JsonNode costs(String scope, String query) {
    ApiParams params = ApiParams.parse(query, COSTS_PARAMS);
    Duration since = params.duration("since", DEFAULT_COSTS_SINCE);
    Set<GroupKey> keys = EnumSet.noneOf(GroupKey.class);
    if (params.has("group_by")) {
      for (String k : params.text("group_by").split(",", -1)) {
        try {
          if (!keys.add(GroupKey.valueOf(k.trim().toUpperCase(Locale.ROOT)))) {
            throw Problem.invalidParameter("group_by", "'" + k + "' appears twice");
          }
        } catch (IllegalArgumentException e) {
          throw Problem.invalidParameter(
              "group_by", "'" + k + "' is not one of tenant, feature, model, day");
        }
      }
    }
    Instant to = clock.instant();
    Window window = new Window(to.minus(since), to);
    List<ConversationCosts.Group> groups =
        costs.costs(filter(params, scope, BigDecimal.ZERO), window, keys);
    ObjectNode o = JSON.createObjectNode();
    o.put("from", window.from().toString());
    o.put("to", window.to().toString());
    ArrayNode by = o.putArray("group_by");
    keys.forEach(k -> by.add(k.name().toLowerCase(Locale.ROOT)));
    BigDecimal total = BigDecimal.ZERO;
    BigDecimal infra = BigDecimal.ZERO;
    // The groups partition the window's calls, so their estimates add up to the window's.
    long sampled = 0;
    BigDecimal counted = BigDecimal.ZERO;
    BigDecimal estimated = BigDecimal.ZERO;
    ArrayNode out = o.putArray("groups");
    for (ConversationCosts.Group g : groups) {
      out.add(ApiJson.group(g));
      total = total.add(g.totalUsd());
      infra = infra.add(g.infraUsd());
      if (g.estimate() != null) {
        sampled += g.estimate().sampledCalls();
        counted = counted.add(g.estimate().countedUsd());
        estimated = estimated.add(g.estimate().estimatedUsd());
      }
    }
    o.put("total_usd", ApiJson.usd(total));
    o.put("infra_usd", ApiJson.usd(infra));
    if (sampled > 0) {
      o.set(
          "estimated_under_sampling",
          ApiJson.estimate(new ConversationCosts.Estimate(sampled, counted, estimated)));
    }
    return o;
  }

  /** The filters of a list or costs request, within the caller's scope. */
  private static Filter filter(ApiParams params, String scope, BigDecimal minUsd) {
    String tenant = params.text("tenant");
    if (!scope.isEmpty() && !tenant.isEmpty() && !tenant.equals(scope)) {
      throw Problem.otherTenant(
          "this token sees tenant '" + scope + "' only, not '" + tenant + "'");
    }
    return new Filter(
        scope,
        tenant,
        params.text("user"),
        params.text("feature"),
        params.text("service"),
        params.text("model"),
        minUsd);
  }

  /** What a failed read tells the caller: unreachable store → 503, anything else → 500. */
  private static Problem storeFailure(RuntimeException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof ConnectException) {
        LOG.log(Level.WARNING, "cost API: ClickHouse unreachable", e);
        return Problem.status(503, "the cost store (ClickHouse) is unreachable; retry later")
            .header("Retry-After", "5");
      }
    }
    LOG.log(Level.WARNING, "cost API: query failed", e);
    return Problem.status(500, "the cost query failed; the receiver's log has the reason");
  }

  private static int problem(HttpExchange exchange, Problem p, String path) throws IOException {
    p.headers().forEach((k, v) -> exchange.getResponseHeaders().set(k, v));
    send(exchange, p.status(), Problem.CONTENT_TYPE, JSON.writeValueAsBytes(p.toJson(path)));
    return p.status();
  }

  private static void send(HttpExchange exchange, int status, String type, byte[] body)
      throws IOException {
    exchange.getResponseHeaders().set("Content-Type", type);
    exchange.getResponseHeaders().set("Cache-Control", "no-store");
    exchange.sendResponseHeaders(status, body.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(body);
    }
  }

  private static long nanos(Instant t) {
    return t.getEpochSecond() * 1_000_000_000L + t.getNano();
  }

  private static Set<String> union(Set<String> base, String... more) {
    java.util.Set<String> out = new java.util.HashSet<>(base);
    out.addAll(List.of(more));
    return Set.copyOf(out);
  }

  @Override
  public void writeTo(PrometheusText out) {
    requests.forEach(
        (key, n) -> {
          int space = key.indexOf(' ');
          out.counter(
              "costtrace_api_requests_total",
              "Cost API requests by endpoint and HTTP status.",
              n.sum(),
              "endpoint",
              key.substring(0, space),
              "status",
              key.substring(space + 1));
        });
  }
}
