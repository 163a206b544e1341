package dev.costtrace.cli;

import com.clickhouse.client.api.Client;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.costtrace.config.Config;
import dev.costtrace.config.ConfigException;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.engine.ClickHouseResolver;
import dev.costtrace.sink.engine.EngineException;
import dev.costtrace.sink.rollup.RollupException;
import dev.costtrace.sink.rollup.RollupVerifier;
import dev.costtrace.sink.schema.SchemaOptions;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code costtrace verify}: checks that every rollup equals a recomputation from the stored spans
 * (the invariant of the sink's README), prints what differs, and with {@code --repair} recomputes
 * it. Exit 0 when every rollup checked is right (after the repair, if asked), 1 when some are not,
 * 2 for a bad argument.
 */
@Command(
    name = "verify",
    mixinStandardHelpOptions = true,
    description =
        "Check every trace and conversation rollup against a recomputation from the stored spans.")
public final class VerifyCommand implements Callable<Integer> {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(
      names = "--since",
      defaultValue = "7d",
      description =
          "Rollups of traces with a span or a rollup in this window: 30m, 24h, 7d (default ${DEFAULT-VALUE}).")
  String since;

  @Option(
      names = "--repair",
      description = "Recompute every rollup that differs, then check again.")
  boolean repair;

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
    Duration window = ReportCommand.since(since);
    if (window == null) {
      err.println(
          "costtrace verify: --since: '" + since + "' is not a duration such as 30m, 24h or 7d");
      return 2;
    }
    if (!format.equals("table") && !format.equals("json")) {
      err.println("costtrace verify: --format must be table or json, not '" + format + "'");
      return 2;
    }
    Config config = Config.fromEnvironment();
    try (ClickHouseEndpoint endpoint = ClickHouseResolver.resolve(config);
        Client client = CostTrace.client(endpoint, config)) {
      RollupVerifier verifier = new RollupVerifier(client, SchemaOptions.fromConfig(config));
      RollupVerifier.Report report = verifier.verify(window);
      print(out, report, "checked");
      if (repair && !report.clean()) {
        verifier.repair(report);
        report = verifier.verify(window);
        print(out, report, "after repair");
      }
      out.flush();
      return report.clean() ? 0 : 1;
    } catch (ConfigException | EngineException | RollupException | IllegalStateException e) {
      err.println("costtrace verify: " + e.getMessage());
      return 1;
    }
  }

  private void print(PrintWriter out, RollupVerifier.Report r, String stage) {
    if (format.equals("json")) {
      for (RollupVerifier.Difference d : r.differences()) {
        ObjectNode o = JSON.createObjectNode();
        o.put("rollup", d.kind());
        o.put("auth_tenant", d.authTenant());
        o.put("id", d.id());
        o.put("problem", d.problem().name().toLowerCase(java.util.Locale.ROOT));
        d.columns().forEach(o.putArray("columns")::add);
        out.println(o);
      }
      ObjectNode summary = JSON.createObjectNode();
      summary.put("stage", stage);
      summary.put("since", since);
      summary.put("traces", r.traces());
      summary.put("conversations", r.conversations());
      summary.put("differences", r.differences().size());
      out.println(JSON.createObjectNode().set("verify", summary));
    } else {
      for (RollupVerifier.Difference d : r.differences()) {
        out.println(d);
      }
      out.printf(
          "%s %d trace rollups and %d conversation rollups over the last %s: %s%n",
          stage,
          r.traces(),
          r.conversations(),
          since,
          r.clean()
              ? "every one equals its recomputation"
              : r.differences().size() + " differ from their recomputation");
    }
  }
}
