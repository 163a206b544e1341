package dev.costtrace.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.Client;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code costtrace review} over two weeks sent through the real receiver: the JSON's figures
 * against independent sums of the stored spans, the comparison with the week before, and the table,
 * Markdown and argument errors.
 */
class ReviewCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  static ReviewData data;

  @TempDir Path dir;

  @BeforeAll
  static void load() throws Exception {
    data = new ReviewData();
    data.useForCli();
  }

  @AfterAll
  static void clear() {
    ReviewData.clearCli();
  }

  static BigDecimal usd(JsonNode n) {
    assertThat(n.isTextual()).as("money is a decimal string: %s", n).isTrue();
    return new BigDecimal(n.asText());
  }

  /** Sum of the stored spans that started in [from, to): independent of the rollups. */
  static BigDecimal spans(Instant from, Instant to) {
    try (Client c = data.endpoint.newClient("default")) {
      return c.queryAll(
              "SELECT sum(total_cost) AS s FROM "
                  + data.db
                  + ".spans WHERE start_time >= {f:DateTime64(9)}"
                  + " AND start_time < {t:DateTime64(9)}",
              Map.of("f", from.toString().replace("Z", ""), "t", to.toString().replace("Z", "")))
          .get(0)
          .getBigDecimal("s");
    }
  }

  @Test
  void theJsonHasEveryFigureOfThePeriodAndThePreviousOne() throws Exception {
    JsonNode r =
        JSON.readTree(
            CliRun.ok(
                "review",
                "--format",
                "json",
                "--until",
                data.until.toString(),
                "--threshold-usd",
                "0.1",
                "--grafana-url",
                "http://grafana.example:3000/"));
    Instant from = data.until.minus(7, ChronoUnit.DAYS);
    assertThat(r.get("from").asText()).isEqualTo(from.toString());
    assertThat(usd(r.get("total_usd"))).isPositive().isEqualByComparingTo(spans(from, data.until));
    assertThat(usd(r.get("previous").get("total_usd")))
        .isPositive()
        .isEqualByComparingTo(spans(from.minus(7, ChronoUnit.DAYS), from));
    assertThat(r.get("conversations").asLong()).isEqualTo(42);
    assertThat(r.get("previous").get("conversations").asLong()).isEqualTo(30);
    for (JsonNode p : List.of(r, r.get("previous"))) {
      assertThat(usd(p.get("p50_usd"))).isPositive().isLessThanOrEqualTo(usd(p.get("p95_usd")));
      assertThat(usd(p.get("p95_usd"))).isLessThanOrEqualTo(usd(p.get("p99_usd")));
      assertThat(usd(p.get("p99_usd"))).isLessThanOrEqualTo(usd(p.get("max_usd")));
      double share = p.get("top_5pct_share").asDouble();
      assertThat(share).isGreaterThan(0.05).isLessThan(1); // the long tail: 5 % spend more than 5 %
      assertThat(usd(p.get("unattributed_usd"))).isZero();
    }
    assertThat(r.get("cumulative_share")).hasSize(100);
    assertThat(r.get("cumulative_share").get(4).get("spend_share").decimalValue())
        .isEqualByComparingTo(r.get("top_5pct_share").decimalValue());
    assertThat(r.get("cumulative_share").get(99).get("spend_share").decimalValue())
        .isEqualByComparingTo("1");

    JsonNode over = r.get("over_threshold");
    assertThat(over).isNotEmpty().hasSize(r.get("over_threshold_count").asInt());
    BigDecimal previous = null;
    for (JsonNode c : over) {
      BigDecimal cost = usd(c.get("total_usd"));
      assertThat(cost).isGreaterThanOrEqualTo(new BigDecimal("0.1"));
      if (previous != null) {
        assertThat(cost).isLessThanOrEqualTo(previous);
      }
      previous = cost;
      assertThat(c.get("tenant_id").asText()).isNotEmpty();
      if (!c.get("conversation_id").asText().equals(ReviewData.MARKUP_CONVERSATION)) {
        assertThat(c.get("user_id").asText()).startsWith("user-");
        assertThat(c.get("feature").asText()).isNotEmpty();
      }
      assertThat(c.get("turns").asLong()).isPositive();
      assertThat(c.get("models")).isNotEmpty();
      assertThat(c.get("link").asText())
          .startsWith("http://grafana.example:3000/d/costtrace-conversation/")
          .contains(
              "var-conversation="
                  + URLEncoder.encode(c.get("conversation_id").asText(), StandardCharsets.UTF_8)
                  + "&");
    }
    assertThat(usd(r.get("max_usd"))).isEqualByComparingTo(usd(over.get(0).get("total_usd")));

    long bucketed = 0;
    for (JsonNode b : r.get("histogram")) {
      bucketed += b.get("conversations").asLong();
    }
    assertThat(bucketed).isEqualTo(42);
    assertThat(r.get("histogram").get(0).get("high_usd").asText())
        .as("the unpriced conversation")
        .isEqualTo("0");
    // Each period's day bars add up to that period's total, the day it starts in included.
    BigDecimal currentDays = BigDecimal.ZERO;
    BigDecimal previousDays = BigDecimal.ZERO;
    for (JsonNode d : r.get("daily")) {
      if (d.get("period").asText().equals("current")) {
        currentDays = currentDays.add(usd(d.get("total_usd")));
      } else {
        previousDays = previousDays.add(usd(d.get("total_usd")));
      }
    }
    assertThat(currentDays).isEqualByComparingTo(usd(r.get("total_usd")));
    assertThat(previousDays).isEqualByComparingTo(usd(r.get("previous").get("total_usd")));

    assertThat(r.get("unpriced_models"))
        .singleElement()
        .satisfies(
            u -> {
              assertThat(u.get("model").asText()).isEqualTo(ReviewData.UNKNOWN_MODEL);
              assertThat(u.get("pricing_status").asText()).isEqualTo("UNKNOWN_MODEL");
              assertThat(u.get("calls").asLong()).isEqualTo(1);
            });
    // The blocked call of conv-unpriced is not among them; its blocks are the limit hits.
    assertThat(r.get("limit_hits"))
        .extracting(
            h ->
                h.get("limit").asText()
                    + " "
                    + h.get("action").asText()
                    + " "
                    + h.get("hits").asLong()
                    + " "
                    + h.get("conversations").asLong())
        .containsExactly("conversation_cap_usd block 2 1", "conversation_warn_usd warn 1 1");
    List<String> features = new ArrayList<>();
    r.get("p95_movers").get("features").forEach(m -> features.add(m.get("name").asText()));
    assertThat(features)
        .isNotEmpty()
        .isSubsetOf("support-chat", "code-assistant", "search", "summarize");
    assertThat(r.get("p95_movers").get("models")).isNotEmpty();
  }

  @Test
  void tableAndMarkdownShowTheSameSections() throws Exception {
    String table = CliRun.ok("review", "--until", data.until.toString(), "--threshold-usd", "0.1");
    assertThat(table)
        .contains(
            "CostTrace review:",
            "this period",
            "previous",
            "p95 per conversation",
            "top 5 % share of spend",
            "Conversations over $0.1000",
            "Unpriced models",
            ReviewData.UNKNOWN_MODEL,
            "Limit hits",
            "conversation_cap_usd");
    Path md = dir.resolve("review.md");
    assertThat(
            CliRun.ok(
                "review",
                "--until",
                data.until.toString(),
                "--threshold-usd",
                "0.1",
                "--format",
                "md",
                "--out",
                md.toString()))
        .contains("wrote " + md);
    assertThat(Files.readString(md))
        .startsWith("## CostTrace review:")
        .contains("| conversation | tenant |")
        .contains("](http://localhost:3000/d/costtrace-conversation/");
  }

  @Test
  void badArgumentsExitWith2() {
    for (String[] args :
        new String[][] {
          {"--format", "pdf"},
          {"--since", "soon"},
          {"--until", "yesterday"},
          {"--threshold-usd", "-1"},
          {"--threshold-usd", "two"}
        }) {
      String[] full = new String[args.length + 1];
      full[0] = "review";
      System.arraycopy(args, 0, full, 1, args.length);
      CliRun.Result r = CliRun.execute(full);
      assertThat(r.exit()).as(String.join(" ", args)).isEqualTo(2);
      assertThat(r.err()).contains("costtrace review: " + args[0]);
    }
  }
}
