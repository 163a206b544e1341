package dev.costtrace.sink;

import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.Client;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.report.ConversationCosts;
import dev.costtrace.sink.report.CostReport;
import dev.costtrace.testing.TestClickHouse;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Counted and estimated money are never mixed (issue 19): stored calls of which some were sampled
 * by probability (adjusted count 4) give the report its counted figures — every conversation, every
 * group, the summary — exactly as without sampling, and the estimate (each call weighed by its
 * adjusted count) only apart, in {@link CostReport.Sampling}. Through the real sink and ClickHouse.
 */
class EstimatedUnderSamplingTest {
  /** Back to before the fixed start times of the rows, whatever today's date. */
  private static final Duration ALL = Duration.ofDays(36_500);

  @TempDir Path dir;

  @Test
  void theReportCountsEachCallOnceAndShowsTheEstimateApart() throws Exception {
    ClickHouseEndpoint e = TestClickHouse.shared();
    String db = ClickHouseSinkTest.migrate(e);
    // 12 traces of 2 calls; the calls of every third trace were sampled with probability 1/4.
    List<SpanCostRow> rows = new ArrayList<>();
    BigDecimal sampledCost = BigDecimal.ZERO;
    long sampledCalls = 0;
    List<SpanCostRow> spans = ClickHouseSinkTest.spans(12, 2, 19);
    for (int i = 0; i < spans.size(); i++) {
      boolean sampled = (i / 2) % 3 == 0;
      SpanCostRow r = spans.get(i);
      if (sampled) {
        r = r.toBuilder().set(SpanColumns.ADJUSTED_COUNT, new BigDecimal("4.000000000000")).build();
        sampledCost = sampledCost.add(r.totalCost());
        sampledCalls++;
      }
      rows.add(r);
    }
    BigDecimal counted = ClickHouseSinkTest.sum(rows);
    try (ClickHouseSink sink = ClickHouseSinkTest.sink(e, db, dir.resolve("buffer"))) {
      sink.accept(rows, ClickHouseSinkTest.attributions(rows, 2, 4));
      assertThat(sink.flush(Duration.ofMinutes(2))).isTrue();
    }

    CostReport.Result byConversation;
    CostReport.Result byTenant;
    List<ConversationCosts.Group> byModel;
    try (Client c = e.newClient("default")) {
      byConversation = new CostReport(c, db).run(CostReport.By.CONVERSATION, 50, ALL);
      byTenant = new CostReport(c, db).run(CostReport.By.TENANT, 50, ALL);
      byModel =
          new ConversationCosts(c, db)
              .costs(
                  new ConversationCosts.Filter("", "", "", "", "", "", null),
                  new ConversationCosts.Window(Instant.EPOCH, Instant.now().plus(ALL)),
                  EnumSet.of(ConversationCosts.GroupKey.MODEL));
    }
    // Counted everywhere: conversations, groups and the summary sum each call once.
    assertThat(byConversation.rows()).hasSize(4);
    assertThat(
            byConversation.rows().stream()
                .map(CostReport.Row::totalUsd)
                .reduce(BigDecimal.ZERO, BigDecimal::add))
        .isEqualByComparingTo(counted);
    assertThat(byConversation.totalUsd()).isEqualByComparingTo(counted);
    assertThat(byTenant.rows())
        .singleElement()
        .satisfies(r -> assertThat(r.totalUsd()).isEqualByComparingTo(counted));
    // The estimate, apart: the sampled calls weigh 4, i.e. 3 more of each.
    CostReport.Sampling s = byConversation.sampling();
    assertThat(s.estimated()).isTrue();
    assertThat(s.sampledCalls()).isEqualTo(sampledCalls).isEqualTo(8);
    assertThat(s.countedUsd()).isEqualByComparingTo(counted);
    assertThat(s.estimatedUsd())
        .isEqualByComparingTo(counted.add(sampledCost.multiply(BigDecimal.valueOf(3))));
    assertThat(byTenant.sampling()).isEqualTo(s);
    // The API's groups: counted as ever, and each group with sampled calls carries its estimate
    // apart; the groups' estimates add up to the report's.
    assertThat(
            byModel.stream()
                .map(ConversationCosts.Group::totalUsd)
                .reduce(BigDecimal.ZERO, BigDecimal::add))
        .isEqualByComparingTo(counted);
    List<ConversationCosts.Estimate> estimates =
        byModel.stream()
            .map(ConversationCosts.Group::estimate)
            .filter(java.util.Objects::nonNull)
            .toList();
    assertThat(estimates).isNotEmpty();
    assertThat(estimates.stream().mapToLong(ConversationCosts.Estimate::sampledCalls).sum())
        .isEqualTo(sampledCalls);
    assertThat(
            estimates.stream()
                .map(ConversationCosts.Estimate::estimatedUsd)
                .reduce(BigDecimal.ZERO, BigDecimal::add)
                .subtract(
                    estimates.stream()
                        .map(ConversationCosts.Estimate::countedUsd)
                        .reduce(BigDecimal.ZERO, BigDecimal::add)))
        .isEqualByComparingTo(sampledCost.multiply(BigDecimal.valueOf(3)));
    for (ConversationCosts.Group g : byModel) {
      if (g.estimate() != null) {
        assertThat(g.estimate().countedUsd()).as(g.model()).isEqualByComparingTo(g.totalUsd());
      }
    }
  }

  @Test
  void withoutSampledCallsThereIsNoEstimate() throws Exception {
    ClickHouseEndpoint e = TestClickHouse.shared();
    String db = ClickHouseSinkTest.migrate(e);
    List<SpanCostRow> rows = ClickHouseSinkTest.spans(3, 2, 23);
    try (ClickHouseSink sink = ClickHouseSinkTest.sink(e, db, dir.resolve("plain"))) {
      sink.accept(rows, List.of());
      assertThat(sink.flush(Duration.ofMinutes(2))).isTrue();
    }
    try (Client c = e.newClient("default")) {
      CostReport.Sampling s = new CostReport(c, db).run(CostReport.By.TRACE, 50, ALL).sampling();
      assertThat(s.estimated()).isFalse();
      assertThat(s.countedUsd()).isEqualByComparingTo(ClickHouseSinkTest.sum(rows));
      assertThat(s.estimatedUsd()).isEqualByComparingTo(s.countedUsd());
    }
  }
}
