package dev.costtrace.cli;

import com.clickhouse.client.api.Client;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.costtrace.config.Config;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.engine.ClickHouseResolver;
import dev.costtrace.sink.report.BudgetEventReport;
import dev.costtrace.sink.report.CostReport;
import dev.costtrace.sink.schema.SchemaOptions;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code costtrace report}: top rows by cost and the cost-per-conversation percentiles. */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description =
        "Top conversations (or traces, models, tenants, features) by cost, and p50/p95/p99 cost per conversation.")
public final class ReportCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(
      names = "--top",
      defaultValue = "10",
      description = "Rows to show (default ${DEFAULT-VALUE}).")
  int top;

  @Option(
      names = "--since",
      defaultValue = "7d",
      description = "Window: 30m, 24h, 7d (default ${DEFAULT-VALUE}).")
  String since;

  @Option(
      names = "--by",
      defaultValue = "conversation",
      description = "conversation, trace, model, tenant or feature (default ${DEFAULT-VALUE}).")
  String by;

  @Option(
      names = "--format",
      defaultValue = "table",
      description = "table or json (default ${DEFAULT-VALUE}).")
  String format;

  @Option(
      names = "--budget-events",
      description =
          "List budget warnings and limit hits (newest first, --top of them) instead of costs.")
  boolean budgetEvents;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    CostReport.By grouping;
    try {
      grouping = CostReport.By.valueOf(by.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      err.println(
          "costtrace report: --by must be conversation, trace, model, tenant or feature, not '"
              + by
              + "'");
      return 2;
    }
    if (!format.equals("table") && !format.equals("json")) {
      err.println("costtrace report: --format must be table or json, not '" + format + "'");
      return 2;
    }
    Duration window = since(since);
    if (window == null) {
      err.println(
          "costtrace report: --since: '" + since + "' is not a duration such as 30m, 24h or 7d");
      return 2;
    }
    Config config = Config.fromEnvironment();
    try (ClickHouseEndpoint endpoint = ClickHouseResolver.resolve(config);
        Client client = CostTrace.client(endpoint, config)) {
      if (budgetEvents) {
        printEvents(
            spec.commandLine().getOut(),
            new BudgetEventReport(client, SchemaOptions.fromConfig(config).database())
                .run(top, window),
            format.equals("json"));
        return 0;
      }
      CostReport.Result r =
          new CostReport(client, SchemaOptions.fromConfig(config).database())
              .run(grouping, top, window);
      print(spec.commandLine().getOut(), r, format.equals("json"));
      return 0;
    }
  }

  /** A {@code --since} window such as 30m, 24h or 7d; null when it is not one. */
  static Duration since(String text) {
    try {
      Duration d = Config.of(java.util.Map.of("since", text)).getDuration("since").orElseThrow();
      return d.isNegative() || d.isZero() ? null : d;
    } catch (RuntimeException e) {
      return null;
    }
  }

  static void print(PrintWriter out, CostReport.Result r, boolean json) {
    String key = r.by() == CostReport.By.MODEL ? "model" : r.by().column();
    if (json) {
      for (CostReport.Row row : r.rows()) {
        ObjectNode o = JSON.createObjectNode();
        o.put(key, row.key());
        o.put("total_usd", row.totalUsd().toPlainString());
        o.put("infra_usd", row.infraUsd().toPlainString());
        o.put("turns", row.turns());
        o.put("llm_calls", row.llmCalls());
        o.put("tool_calls", row.toolCalls());
        o.put("input_tokens", row.inputTokens());
        o.put("output_tokens", row.outputTokens());
        o.put("models", row.models());
        out.println(o);
      }
      ObjectNode summary = JSON.createObjectNode();
      summary.put("conversations", r.conversations());
      summary.put("total_usd", r.totalUsd().toPlainString());
      summary.put("infra_usd", r.infraUsd().toPlainString());
      summary.put("p50_usd", r.p50().toPlainString());
      summary.put("p95_usd", r.p95().toPlainString());
      summary.put("p99_usd", r.p99().toPlainString());
      ObjectNode last = JSON.createObjectNode();
      last.set("cost_per_conversation", summary);
      CostReport.Sampling s = r.sampling();
      if (s.estimated()) {
        // Apart from every counted figure, and only when some call was sampled by probability.
        ObjectNode estimate = JSON.createObjectNode();
        estimate.put("sampled_calls", s.sampledCalls());
        estimate.put("counted_usd", s.countedUsd().toPlainString());
        estimate.put("estimated_usd", s.estimatedUsd().toPlainString());
        last.set("estimated_under_sampling", estimate);
      }
      out.println(last);
    } else {
      out.printf(
          "%-38s %12s %10s %6s %6s %6s %10s %9s  %s%n",
          key, "cost", "infra", "turns", "llm", "tools", "in tok", "out tok", "models");
      for (CostReport.Row row : r.rows()) {
        out.printf(
            "%-38s %12s %10s %6d %6d %6d %10d %9d  %s%n",
            abbreviate(row.key()),
            CostReport.usd(row.totalUsd()),
            CostReport.usd(row.infraUsd()),
            row.turns(),
            row.llmCalls(),
            row.toolCalls(),
            row.inputTokens(),
            row.outputTokens(),
            row.models());
      }
      out.printf(
          "%ncost per conversation over %d conversations (total %s, infrastructure %s):"
              + " p50 %s  p95 %s  p99 %s%n",
          r.conversations(),
          CostReport.usd(r.totalUsd()),
          CostReport.usd(r.infraUsd()),
          CostReport.usd(r.p50()),
          CostReport.usd(r.p95()),
          CostReport.usd(r.p99()));
      CostReport.Sampling s = r.sampling();
      if (s.estimated()) {
        out.printf(
            "ESTIMATED under sampling: %d call(s) were sampled by probability; all calls"
                + " counted %s, estimated %s (not counted; conversations are never estimated)%n",
            s.sampledCalls(), CostReport.usd(s.countedUsd()), CostReport.usd(s.estimatedUsd()));
      }
    }
    out.flush();
  }

  static void printEvents(PrintWriter out, List<BudgetEventReport.Event> events, boolean json) {
    if (json) {
      for (BudgetEventReport.Event e : events) {
        ObjectNode o = JSON.createObjectNode();
        o.put("time", e.time());
        o.put("conversation_id", e.conversationId());
        o.put("tenant_id", e.tenantId());
        o.put("feature", e.feature());
        o.put("limit", e.limitName());
        o.put("action", e.action());
        o.put("source", e.source());
        o.put("limit_value", e.limitValue());
        o.put("reach", e.reach());
        o.put("model", e.model());
        o.put("downgraded_to", e.downgradedTo());
        out.println(o);
      }
    } else {
      out.printf(
          "%-29s %-38s %-26s %-9s %-8s %10s %10s  %s%n",
          "time", "conversation", "limit", "action", "source", "limit", "reach", "model");
      for (BudgetEventReport.Event e : events) {
        out.printf(
            "%-29s %-38s %-26s %-9s %-8s %10s %10s  %s%n",
            e.time(),
            abbreviate(e.conversationId()),
            e.limitName(),
            e.action(),
            e.source(),
            e.limitValue(),
            e.reach(),
            e.downgradedTo().isEmpty() ? e.model() : e.model() + " -> " + e.downgradedTo());
      }
    }
    out.flush();
  }

  private static String abbreviate(String s) {
    return s.length() <= 38 ? s : s.substring(0, 35) + "...";
  }
}
