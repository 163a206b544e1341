package dev.costtrace.cli;

import com.clickhouse.client.api.Client;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.costtrace.config.Config;
import dev.costtrace.config.ConfigException;
import dev.costtrace.pricing.PricedSpan;
import dev.costtrace.pricing.SpanPricer;
import dev.costtrace.pricing.TokenUsage;
import dev.costtrace.pricing.catalog.CatalogException;
import dev.costtrace.pricing.normalize.ProviderNames;
import dev.costtrace.receiver.pipeline.PricingPipeline;
import dev.costtrace.sink.SpanColumns;
import dev.costtrace.sink.SpanCostRow;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.engine.ClickHouseResolver;
import dev.costtrace.sink.engine.EngineException;
import dev.costtrace.sink.reprice.Repricing;
import dev.costtrace.sink.reprice.RepricingException;
import dev.costtrace.sink.rollup.RollupException;
import dev.costtrace.sink.schema.Migrator;
import dev.costtrace.sink.schema.SchemaOptions;
import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code costtrace reprice}: prices the stored LLM calls again with the current catalog (bundled,
 * {@code COSTTRACE_PRICES}, {@code COSTTRACE_PRICES_OVERRIDES}), keeping their tokens and time, and
 * lets the rollups follow ({@link Repricing}). Exit 0 when done (or, with {@code --dry-run},
 * reported), 1 when ClickHouse or the catalog failed, 2 for a bad argument.
 */
@Command(
    name = "reprice",
    mixinStandardHelpOptions = true,
    description = "Price stored spans again with the current catalog; the rollups follow.")
public final class RepriceCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** How many span rows a repricing reads, prices and writes at a time (memory). */
  static final String WINDOW_SPANS_KEY = "costtrace.reprice.window.spans";

  /** How a row priced before the service_tier column existed names its tier in its reason. */
  private static final Pattern TIER_IN_REASON =
      Pattern.compile(", ([a-z0-9_-]+) tier ×|service tier '([^']*)'");

  @Option(
      names = "--since",
      required = true,
      paramLabel = "D",
      description =
          "Spans that started in this window (30m, 24h, 7d) or since this date or instant"
              + " (2026-01-01, 2026-01-01T00:00:00Z).")
  String since;

  @Option(names = "--model", description = "Only calls of this request or response model.")
  String model = "";

  @Option(
      names = "--provider",
      description = "Only calls of this provider (openai, anthropic, aws.bedrock, ...).")
  String provider = "";

  @Option(
      names = "--tenant",
      description = "Only this tenant (the token's, or the trace's resolved tenant).")
  String tenant = "";

  @Option(names = "--service", description = "Only spans of this service.name.")
  String service = "";

  @Option(names = "--conversation", description = "Only this conversation.")
  String conversation = "";

  @Option(
      names = "--dry-run",
      description = "Print what would change per conversation and in total; change nothing.")
  boolean dryRun;

  @Option(
      names = "--format",
      defaultValue = "table",
      description = "table or json (default ${DEFAULT-VALUE}).")
  String format;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Instant from = since(since, Instant.now());
    if (from == null) {
      err.println(
          "costtrace reprice: --since: '"
              + since
              + "' is neither a duration such as 30m, 24h or 7d nor a date or instant such as 2026-01-01");
      return 2;
    }
    if (!format.equals("table") && !format.equals("json")) {
      err.println("costtrace reprice: --format must be table or json, not '" + format + "'");
      return 2;
    }
    Config config = Config.fromEnvironment();
    Repricing.Filter filter =
        new Repricing.Filter(
            from,
            model,
            provider.isEmpty() ? "" : ProviderNames.canonical(provider),
            tenant,
            service,
            conversation);
    SpanPricer pricer;
    try {
      pricer =
          SpanPricer.fromConfig(
              config.withOverrides(Map.of("costtrace.prices.reload.interval", "0")));
    } catch (CatalogException | ConfigException e) {
      err.println("costtrace reprice: " + e.getMessage());
      return 1;
    }
    try (pricer;
        ClickHouseEndpoint endpoint = ClickHouseResolver.resolve(config);
        Client client = CostTrace.client(endpoint, config)) {
      SchemaOptions schema = SchemaOptions.fromConfig(config);
      Migrator migrator = new Migrator(client, schema);
      if (dryRun) {
        if (migrator.status().stream().anyMatch(m -> !m.applied())) {
          err.println(
              "costtrace reprice: the schema is not up to date; run costtrace migrate first"
                  + " (a dry run changes nothing)");
          return 1;
        }
      } else {
        migrator.up();
      }
      int window = config.getInt(WINDOW_SPANS_KEY).orElse(Repricing.DEFAULT_WINDOW_SPANS);
      if (window <= 0) {
        throw Config.invalid(
            WINDOW_SPANS_KEY, Integer.toString(window), "expected a positive number of spans");
      }
      Repricing.Result r =
          new Repricing(client, schema, window)
              .run(filter, stored -> reprice(pricer, stored), dryRun);
      print(out, r);
      out.flush();
      return 0;
    } catch (ConfigException
        | EngineException
        | RepricingException
        | RollupException
        | IllegalStateException e) {
      err.println("costtrace reprice: " + e.getMessage());
      return 1;
    }
  }

  /**
   * The stored call priced again from what the row keeps: provider, model (the response model wins,
   * as at ingest), token classes, service tier and start time; the tenant whose overrides applied
   * at ingest (the token's, else the span's).
   */
  static SpanCostRow reprice(SpanPricer pricer, SpanCostRow stored) {
    long cacheWrite = stored.get(SpanColumns.CACHE_WRITE_TOKENS);
    long cacheWrite1h = stored.get(SpanColumns.CACHE_WRITE_1H_TOKENS);
    TokenUsage usage =
        new TokenUsage(
            stored.get(SpanColumns.INPUT_TOKENS),
            stored.get(SpanColumns.CACHE_READ_TOKENS),
            Math.max(0, cacheWrite - cacheWrite1h),
            cacheWrite1h,
            stored.get(SpanColumns.OUTPUT_TOKENS),
            stored.get(SpanColumns.REASONING_TOKENS),
            stored.get(SpanColumns.AUDIO_INPUT_TOKENS),
            stored.get(SpanColumns.AUDIO_OUTPUT_TOKENS));
    String responseModel = stored.get(SpanColumns.RESPONSE_MODEL);
    String model = responseModel.isEmpty() ? stored.get(SpanColumns.REQUEST_MODEL) : responseModel;
    long start = stored.startEpochNanos();
    Instant at =
        Instant.ofEpochSecond(
            Math.floorDiv(start, 1_000_000_000L), Math.floorMod(start, 1_000_000_000L));
    String tenant =
        stored.authTenant().isEmpty() ? stored.get(SpanColumns.TENANT_ID) : stored.authTenant();
    PricedSpan p =
        pricer.priceUsage(
            stored.get(SpanColumns.PROVIDER), model, usage, at, serviceTier(stored), tenant);
    return PricingPipeline.withPricing(stored.toBuilder(), p).build();
  }

  /** The stored tier; for a row written before that column existed, the tier its reason names. */
  static String serviceTier(SpanCostRow stored) {
    String tier = stored.get(SpanColumns.SERVICE_TIER);
    if (!tier.isEmpty()) {
      return tier;
    }
    Matcher m = TIER_IN_REASON.matcher(stored.get(SpanColumns.PRICING_REASON));
    return m.find() ? (m.group(1) != null ? m.group(1) : m.group(2)) : "";
  }

  /** A duration back from {@code now}, or a date (UTC midnight) or instant; null when neither. */
  static Instant since(String text, Instant now) {
    Duration d = ReportCommand.since(text);
    if (d != null) {
      return now.minus(d);
    }
    try {
      return LocalDate.parse(text).atStartOfDay(ZoneOffset.UTC).toInstant();
    } catch (DateTimeParseException e) {
      // not a date: an instant?
    }
    try {
      return Instant.parse(text);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  private void print(PrintWriter out, Repricing.Result r) {
    String verb = r.dryRun() ? "would change" : "changed";
    if (format.equals("json")) {
      for (Repricing.ConversationChange c : r.conversations()) {
        ObjectNode o = JSON.createObjectNode();
        o.put("auth_tenant", c.authTenant());
        o.put("conversation_id", c.conversationId());
        o.put("before_usd", c.before().toPlainString());
        o.put("after_usd", c.after().toPlainString());
        o.put("difference_usd", c.difference().toPlainString());
        o.put("spans", c.spans());
        out.println(o);
      }
      ObjectNode s = JSON.createObjectNode();
      s.put("dry_run", r.dryRun());
      s.put("since", since);
      s.put("examined", r.examined());
      s.put("changed", r.changed());
      s.put("newly_priced", r.newlyPriced());
      s.put("before_usd", r.before().toPlainString());
      s.put("after_usd", r.after().toPlainString());
      s.put("difference_usd", r.difference().toPlainString());
      s.put("traces_recomputed", r.tracesRecomputed());
      out.println(JSON.createObjectNode().set("reprice", s));
      return;
    }
    for (Repricing.ConversationChange c : r.conversations()) {
      String name = c.conversationId().isEmpty() ? "(no conversation)" : c.conversationId();
      out.printf(
          "%s%s: %s -> %s (%s%s, %d span%s)%n",
          c.authTenant().isEmpty() ? "" : c.authTenant() + "/",
          name,
          plain(c.before()),
          plain(c.after()),
          c.difference().signum() >= 0 ? "+" : "",
          plain(c.difference()),
          c.spans(),
          c.spans() == 1 ? "" : "s");
    }
    out.printf(
        "%s%d of %d spans since %s %s (%d newly priced): %s -> %s USD (%s%s)%s%n",
        r.dryRun() ? "dry run: " : "",
        r.changed(),
        r.examined(),
        since,
        verb,
        r.newlyPriced(),
        plain(r.before()),
        plain(r.after()),
        r.difference().signum() >= 0 ? "+" : "",
        plain(r.difference()),
        r.dryRun()
            ? "; nothing written"
            : "; rollups of " + r.tracesRecomputed() + " traces recomputed");
  }

  private static String plain(java.math.BigDecimal d) {
    String s = d.stripTrailingZeros().toPlainString();
    return s.equals("0.0") ? "0" : s;
  }
}
