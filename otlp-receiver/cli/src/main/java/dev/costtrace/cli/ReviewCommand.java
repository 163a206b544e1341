package dev.costtrace.cli;

import com.clickhouse.client.api.Client;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.costtrace.cli.review.ReviewHtml;
import dev.costtrace.cli.review.ReviewJson;
import dev.costtrace.cli.review.ReviewText;
import dev.costtrace.config.Config;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.engine.ClickHouseResolver;
import dev.costtrace.sink.report.CostReview;
import dev.costtrace.sink.schema.SchemaOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code costtrace review}: the long tail of a period (a week by default) against the period
 * before: spend, conversations, per-conversation percentiles, the top 5 %'s share, the
 * conversations over a threshold with links to their detail, p95 movers, unpriced models and limit
 * hits; as a table, Markdown, JSON or one self-contained HTML page with charts.
 */
@Command(
    name = "review",
    mixinStandardHelpOptions = true,
    description =
        "Review the long tail of a period against the one before (spend, percentiles, expensive conversations).")
public final class ReviewCommand implements Callable<Integer> {
  /** Where the compose stack's Grafana is; the conversation links point into it. */
  static final String DEFAULT_GRAFANA_URL = "http://localhost:3000";

  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(
      names = "--since",
      defaultValue = "7d",
      description =
          "The period's length, back from --until: 24h, 7d, 30d (default ${DEFAULT-VALUE}).")
  String since;

  @Option(
      names = "--until",
      description = "End of the period, ISO-8601 (e.g. 2026-12-07T00:00:00Z; default now).")
  String until;

  @Option(
      names = "--threshold-usd",
      defaultValue = "2",
      description = "List conversations that cost at least this (USD, default ${DEFAULT-VALUE}).")
  String thresholdUsd;

  @Option(
      names = "--format",
      defaultValue = "table",
      description = "table, json, md or html (default ${DEFAULT-VALUE}).")
  String format;

  @Option(names = "--out", description = "Write to this file instead of standard output.")
  Path outFile;

  @Option(
      names = "--grafana-url",
      description =
          "Grafana for the conversation links (default costtrace.grafana.url, else "
              + DEFAULT_GRAFANA_URL
              + ").")
  String grafanaUrl;

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() throws IOException {
    PrintWriter err = spec.commandLine().getErr();
    if (!format.equals("table")
        && !format.equals("json")
        && !format.equals("md")
        && !format.equals("html")) {
      err.println(
          "costtrace review: --format must be table, json, md or html, not '" + format + "'");
      return 2;
    }
    Duration length;
    try {
      length = Config.of(Map.of("since", since)).getDuration("since").orElseThrow();
    } catch (RuntimeException e) {
      err.println(
          "costtrace review: --since: '" + since + "' is not a duration such as 24h, 7d or 30d");
      return 2;
    }
    if (length.isZero()) {
      err.println("costtrace review: --since must be longer than 0");
      return 2;
    }
    Instant end;
    try {
      end = until == null ? Instant.now() : Instant.parse(until);
    } catch (DateTimeParseException e) {
      err.println(
          "costtrace review: --until: '"
              + until
              + "' is not an ISO-8601 instant such as 2026-12-07T00:00:00Z");
      return 2;
    }
    BigDecimal threshold;
    try {
      threshold = new BigDecimal(thresholdUsd);
    } catch (NumberFormatException e) {
      threshold = BigDecimal.ONE.negate();
    }
    if (threshold.signum() < 0 || threshold.scale() > 12) {
      err.println(
          "costtrace review: --threshold-usd: '"
              + thresholdUsd
              + "' is not a non-negative amount such as 2 or 0.5");
      return 2;
    }
    Config config = Config.fromEnvironment();
    String grafana =
        grafanaUrl != null
            ? grafanaUrl
            : config.getString("costtrace.grafana.url").orElse(DEFAULT_GRAFANA_URL);
    CostReview.Review review;
    try (ClickHouseEndpoint endpoint = ClickHouseResolver.resolve(config);
        Client client = CostTrace.client(endpoint, config)) {
      review =
          new CostReview(client, SchemaOptions.fromConfig(config).database(), grafana)
              .run(end, length, threshold);
    }
    String text =
        switch (format) {
          case "json" ->
              JSON.writerWithDefaultPrettyPrinter().writeValueAsString(ReviewJson.of(review))
                  + "\n";
          case "md" -> ReviewText.markdown(review);
          case "html" -> ReviewHtml.of(review);
          default -> ReviewText.table(review);
        };
    if (outFile != null) {
      Files.writeString(outFile, text, StandardCharsets.UTF_8);
      spec.commandLine().getOut().println("costtrace review: wrote " + outFile);
    } else {
      spec.commandLine().getOut().print(text);
    }
    spec.commandLine().getOut().flush();
    return 0;
  }
}
