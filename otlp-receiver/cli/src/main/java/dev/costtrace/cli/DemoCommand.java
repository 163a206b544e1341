package dev.costtrace.cli;

import dev.costtrace.cli.demo.DemoWorkload;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code costtrace demo}: sends the quick start's realistic workload to a receiver that is already
 * running elsewhere (the compose stack's demo service, or your own deployment), through the
 * OpenTelemetry SDK's OTLP/HTTP exporter.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = "Send the quick start's demo conversations as OTLP to a running receiver.")
public final class DemoCommand implements Callable<Integer> {
  @Option(
      names = "--endpoint",
      defaultValue = "http://localhost:4318",
      description = "The receiver's OTLP/HTTP base URL (default ${DEFAULT-VALUE}).")
  String endpoint;

  @Option(
      names = "--conversations",
      defaultValue = "300",
      description = "How many (default ${DEFAULT-VALUE}).")
  int conversations;

  @Option(
      names = "--seed",
      defaultValue = "42",
      description =
          "Random seed; the same seed sends the same workload (default ${DEFAULT-VALUE}).")
  long seed;

  @Option(
      names = "--token-file",
      description = "A file whose first line is the bearer token, for a receiver with auth on.")
  Path tokenFile;

  @Option(
      names = "--trust-cert",
      description =
          "PEM certificate(s) to trust for an https:// endpoint with a self-signed or private-CA certificate.")
  Path trustCert;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    URI uri;
    try {
      uri = URI.create(endpoint);
    } catch (IllegalArgumentException e) {
      uri = null;
    }
    if (uri == null
        || !("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
        || uri.getHost() == null) {
      err.println(
          "costtrace demo: --endpoint must be an http:// or https:// URL, not '" + endpoint + "'");
      return 2;
    }
    if (conversations < 1) {
      err.println("costtrace demo: --conversations must be at least 1");
      return 2;
    }
    String token = null;
    byte[] trusted = null;
    if (tokenFile != null) {
      try {
        token =
            Files.readAllLines(tokenFile, StandardCharsets.UTF_8).stream()
                .map(String::trim)
                .filter(l -> !l.isEmpty())
                .findFirst()
                .orElse(null);
      } catch (IOException e) {
        err.println(
            "costtrace demo: cannot read --token-file " + tokenFile + ": " + e.getMessage());
        return 2;
      }
      if (token == null) {
        err.println("costtrace demo: --token-file " + tokenFile + " has no token");
        return 2;
      }
    }
    if (trustCert != null) {
      try {
        trusted = Files.readAllBytes(trustCert);
      } catch (IOException e) {
        err.println(
            "costtrace demo: cannot read --trust-cert " + trustCert + ": " + e.getMessage());
        return 2;
      }
    }
    String base = endpoint.endsWith("/") ? endpoint.substring(0, endpoint.length() - 1) : endpoint;
    out.println(
        "costtrace: sending " + conversations + " demo conversations to " + base + "/v1/traces");
    out.flush();
    DemoWorkload.Summary sent =
        DemoWorkload.send(new DemoWorkload.Target(base, token, trusted), conversations, seed);
    out.printf(
        "costtrace: sent %d conversations, %d turns, %d LLM calls, %d tool calls%n",
        sent.conversations(), sent.turns(), sent.llmCalls(), sent.toolCalls());
    return 0;
  }
}
