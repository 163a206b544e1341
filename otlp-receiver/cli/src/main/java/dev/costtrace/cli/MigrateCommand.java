package dev.costtrace.cli;

import com.clickhouse.client.api.Client;
import dev.costtrace.config.Config;
import dev.costtrace.config.ConfigException;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.engine.ClickHouseResolver;
import dev.costtrace.sink.engine.EngineException;
import dev.costtrace.sink.schema.Migrator;
import dev.costtrace.sink.schema.SchemaOptions;
import java.io.PrintWriter;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code costtrace migrate}: applies the schema migrations to the ClickHouse the resolver finds
 * ({@code CLICKHOUSE_URL}, or the embedded engine), reverts some, or shows their state.
 */
@Command(
    name = "migrate",
    mixinStandardHelpOptions = true,
    description = "Apply (default), revert or list the ClickHouse schema migrations.")
public final class MigrateCommand implements Callable<Integer> {

  @Option(names = "--down", paramLabel = "N", description = "Revert the last N applied migrations.")
  Integer down;

  @Option(names = "--status", description = "List the migrations and whether each is applied.")
  boolean status;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Config config = Config.fromEnvironment();
    try (ClickHouseEndpoint endpoint = ClickHouseResolver.resolve(config);
        Client client = CostTrace.client(endpoint, config)) {
      SchemaOptions options = SchemaOptions.fromConfig(config);
      Migrator migrator = new Migrator(client, options);
      if (status) {
        for (Migrator.Migration m : migrator.status()) {
          out.printf("%04d %-28s %s%n", m.version(), m.name(), m.applied() ? "applied" : "pending");
        }
      } else if (down != null) {
        out.println(
            "reverted "
                + migrator.down(down)
                + " migration(s) in "
                + options.database()
                + " on "
                + endpoint);
      } else {
        out.println(
            "applied "
                + migrator.up()
                + " migration(s) to "
                + options.database()
                + " on "
                + endpoint);
      }
      out.flush();
      return 0;
    } catch (ConfigException
        | EngineException
        | IllegalStateException
        | IllegalArgumentException e) {
      err.println("costtrace migrate: " + e.getMessage());
      return 1;
    }
  }
}
