package dev.costtrace.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import picocli.CommandLine;

/** Runs the {@code costtrace} command line in-process, capturing what it prints. */
final class CliRun {
  private CliRun() {}

  /** Exit code, standard output and standard error of one run. */
  record Result(int exit, String out, String err) {}

  static Result execute(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = CostTrace.commandLine();
    cli.setOut(new PrintWriter(out));
    cli.setErr(new PrintWriter(err));
    int exit = cli.execute(args);
    return new Result(exit, out.toString(), err.toString());
  }

  /** Runs and requires exit code 0; returns standard output. */
  static String ok(String... args) {
    Result r = execute(args);
    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    return r.out();
  }
}
