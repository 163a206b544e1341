package dev.costtrace.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of {@code bin/costtrace}; each job is a subcommand in its own class. */
@Command(
    name = "costtrace",
    mixinStandardHelpOptions = true,
    version = "costtrace 0.1.0",
    description = "Knowing what every AI conversation costs, from OpenTelemetry traces.",
    subcommands = {CommandLine.HelpCommand.class, PriceCommand.class, MigrateCommand.class, ServeCommand.class, ReportCommand.class})
public final class CostTrace implements Runnable {

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
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
