/** The {@code costtrace} command line: one executable, a subcommand per job. */
package dev.costtrace.cli;
