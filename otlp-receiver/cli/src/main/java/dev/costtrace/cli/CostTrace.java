package dev.costtrace.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code bin/costtrace}; each job is a subcommand in its own class. */
@Command(
    name = "costtrace",
    mixinStandardHelpOptions = true,
    version = "costtrace 0.1.0",
    description = "Knowing what every AI conversation costs, from OpenTelemetry traces.",
    subcommands = {
      CommandLine.HelpCommand.class,
      PriceCommand.class,
      MigrateCommand.class,
      ServeCommand.class,
      ReportCommand.class,
      ReviewCommand.class,
      VerifyCommand.class,
      RepriceCommand.class,
      DeadLetterCommand.class,
      DemoCommand.class
    })
public final class CostTrace implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    configureLogging();
    System.exit(commandLine().execute(args));
  }

  /**
   * The commands print their own progress; library logs show from WARNING up unless {@code
   * COSTTRACE_LOG_LEVEL} / {@code costtrace.log.level} (a java.util.logging level) says otherwise.
   */
  static void configureLogging() {
    String name =
        dev.costtrace.config.Config.fromEnvironment()
            .getString("costtrace.log.level")
            .orElse("WARNING");
    java.util.logging.Level level;
    try {
      level = java.util.logging.Level.parse(name.toUpperCase(java.util.Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw dev.costtrace.config.Config.invalid(
          "costtrace.log.level",
          name,
          "expected a java.util.logging level such as WARNING, INFO or FINE");
    }
    java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
    root.setLevel(level);
    for (java.util.logging.Handler h : root.getHandlers()) {
      h.setLevel(level);
    }
  }

  /**
   * The client a command reads and writes with: bounded by the configured ClickHouse timeouts, so a
   * server that accepts and never answers fails the command after the query timeout (plus a grace)
   * instead of hanging it.
   */
  static com.clickhouse.client.api.Client client(
      dev.costtrace.sink.engine.ClickHouseEndpoint endpoint, dev.costtrace.config.Config config) {
    return endpoint.newClient(
        "default", dev.costtrace.sink.engine.ClickHouseTimeouts.fromConfig(config).forStatements());
  }

  /** The configured command line, for tests to run in-process. */
  public static CommandLine commandLine() {
    return new CommandLine(new CostTrace());
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
