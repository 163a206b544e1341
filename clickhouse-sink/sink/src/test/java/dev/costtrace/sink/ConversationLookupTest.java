package dev.costtrace.sink;

import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.Client;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.report.ConversationCosts;
import dev.costtrace.sink.report.ConversationCosts.Conversation;
import dev.costtrace.sink.report.ConversationCosts.GroupKey;
import dev.costtrace.sink.report.ConversationCosts.ModelUsage;
import dev.costtrace.sink.rollup.RollupVerifier;
import dev.costtrace.sink.schema.SchemaOptions;
import dev.costtrace.testing.TestClickHouse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A conversation answered from its own rollup row (migration 0090): the row names its traces, its
 * models and calls are read from those traces' span rows, and they equal both what the stored spans
 * say and what searching the trace rollups for the conversation gives. A conversation with more
 * traces than its row names is searched for; a row whose trace list is wrong is a difference that
 * {@code verify} reports and repairs. Through the real sink and ClickHouse.
 */
class ConversationLookupTest {
  @TempDir Path dir;

  @Test
  void aConversationsModelsAndCallsComeFromTheTracesItsRollupNames() throws Exception {
    ClickHouseEndpoint e = TestClickHouse.shared();
    String db = ClickHouseSinkTest.migrate(e);
    // 1,005 traces of conv-big (more than a rollup names), then 20 traces in conv-0 .. conv-3;
    // conv-1's traces run on the billing service.
    List<SpanCostRow> rows = new ArrayList<>();
    List<SpanAttribution> attributions = new ArrayList<>();
    List<SpanCostRow> spans = ClickHouseSinkTest.spans(1_025, 2, 90);
    Map<String, List<SpanCostRow>> byConversation = new TreeMap<>();
    for (int t = 0; t < 1_025; t++) {
      String conversation = t < 1_005 ? "conv-big" : "conv-" + (t % 4);
      for (int s = 0; s < 2; s++) {
        SpanCostRow r = spans.get(t * 2 + s);
        if (conversation.equals("conv-1")) {
          r = r.toBuilder().set(SpanColumns.SERVICE_NAME, "billing").build();
        }
        rows.add(r);
        byConversation.computeIfAbsent(conversation, k -> new ArrayList<>()).add(r);
      }
      SpanCostRow first = rows.get(t * 2);
      attributions.add(
          ClickHouseSinkTest.root(
              first.traceId(), conversation, "acme", first.startEpochNanos() - 1));
    }
    try (ClickHouseSink sink = ClickHouseSinkTest.sink(e, db, dir.resolve("buffer"))) {
      sink.accept(rows, attributions);
      assertThat(sink.flush(Duration.ofMinutes(2))).isTrue();
    }

    try (Client c = e.newClient("default")) {
      ConversationCosts costs = new ConversationCosts(c, db);
      Conversation small = only(costs, "conv-2");
      assertThat(small.turns()).isEqualTo(5);
      assertThat(small.traceIds())
          .hasSize(5)
          .isSorted()
          .containsExactlyInAnyOrderElementsOf(traces(byConversation.get("conv-2")));
      assertThat(costs.models(small)).isEqualTo(expectedModels(byConversation.get("conv-2")));
      // The same answer when the traces are searched for, as for a row that does not name them.
      Conversation unnamed = withoutTraceIds(small);
      assertThat(costs.models(unnamed)).isEqualTo(costs.models(small));
      assertThat(costs.calls(unnamed, 100)).isEqualTo(costs.calls(small, 100)).hasSize(10);
      assertThat(costs.calls(small, 100))
          .extracting(ConversationCosts.Call::spanId)
          .containsExactlyElementsOf(
              byConversation.get("conv-2").stream()
                  .sorted(Comparator.comparingLong(SpanCostRow::startEpochNanos))
                  .map(SpanCostRow::spanId)
                  .toList());

      Conversation big = only(costs, "conv-big");
      assertThat(big.turns()).isEqualTo(1_005);
      assertThat(big.traceIds()).hasSize(1_000);
      assertThat(costs.models(big)).isEqualTo(expectedModels(byConversation.get("conv-big")));
      assertThat(costs.calls(big, 5_000)).hasSize(2_010);
      assertThat(big.totalUsd())
          .isEqualByComparingTo(ClickHouseSinkTest.sum(byConversation.get("conv-big")));

      // The list filters by a conversation's services without reading its traces.
      ConversationCosts.Filter billing =
          new ConversationCosts.Filter("", "", "", "", "billing", "", null);
      ConversationCosts.Window all =
          new ConversationCosts.Window(Instant.EPOCH, Instant.now().plus(Duration.ofDays(3650)));
      assertThat(costs.conversations(billing, all, null, 10).conversations())
          .extracting(Conversation::conversationId)
          .containsExactly("conv-1");
      assertThat(
              costs
                  .conversations(ConversationCosts.Filter.scoped(""), all, null, 10)
                  .conversations())
          .hasSize(5);

      // Grouped spend counts each trace once per group: every trace here has two models.
      assertThat(costs.costs(ConversationCosts.Filter.scoped(""), all, Set.of()))
          .singleElement()
          .satisfies(g -> assertThat(g.turns()).isEqualTo(1_025));
      assertThat(costs.costs(ConversationCosts.Filter.scoped(""), all, Set.of(GroupKey.MODEL)))
          .extracting(g -> g.model() + " " + g.turns() + " " + g.conversations())
          .containsExactlyInAnyOrder("gpt-4o 1025 5", "gpt-4o-mini 1025 5");
      assertThat(
              costs.costs(
                  new ConversationCosts.Filter("", "", "", "", "", "gpt-4o", null),
                  all,
                  Set.of(GroupKey.FEATURE)))
          .singleElement()
          .satisfies(g -> assertThat(g.turns()).isEqualTo(1_025));

      // A row naming the wrong traces is a difference, and repair rewrites it.
      c.execute(
              "INSERT INTO "
                  + db
                  + ".conversation_rollups SELECT * REPLACE (version + 1 AS version,"
                  + " arrayPopBack(trace_ids) AS trace_ids) FROM "
                  + db
                  + ".conversation_rollups FINAL WHERE conversation_id = 'conv-2'")
          .get()
          .close();
      RollupVerifier verifier = new RollupVerifier(c, new SchemaOptions(db, "", Duration.ZERO));
      RollupVerifier.Report report = verifier.verify(Duration.ofDays(3650));
      assertThat(report.differences())
          .singleElement()
          .satisfies(
              d -> {
                assertThat(d.id()).isEqualTo("conv-2");
                assertThat(String.join(" ", d.columns())).startsWith("trace_ids: ");
              });
      verifier.repair(report);
      assertThat(verifier.verify(Duration.ofDays(3650)).differences()).isEmpty();
      assertThat(only(costs, "conv-2").traceIds()).isEqualTo(small.traceIds());
    }
  }

  private static Conversation only(ConversationCosts costs, String id) {
    List<Conversation> found = costs.conversation(id, ConversationCosts.Filter.scoped(""), 2);
    assertThat(found).hasSize(1);
    return found.get(0);
  }

  private static List<String> traces(List<SpanCostRow> rows) {
    return rows.stream().map(SpanCostRow::traceId).distinct().toList();
  }

  /** Calls and cost per model, most expensive first, as the stored spans say. */
  private static List<ModelUsage> expectedModels(List<SpanCostRow> rows) {
    Map<String, List<SpanCostRow>> byModel =
        rows.stream().collect(Collectors.groupingBy(r -> r.get(SpanColumns.RESPONSE_MODEL)));
    return byModel.entrySet().stream()
        .map(
            m ->
                new ModelUsage(
                    m.getKey(),
                    m.getValue().size(),
                    ClickHouseSinkTest.sum(m.getValue()).setScale(12)))
        .sorted(
            Comparator.comparing(ModelUsage::totalUsd).reversed().thenComparing(ModelUsage::model))
        .toList();
  }

  private static Conversation withoutTraceIds(Conversation c) {
    return new Conversation(
        c.conversationId(),
        c.tenantId(),
        c.userId(),
        c.feature(),
        c.totalUsd(),
        c.llmUsd(),
        c.toolUsd(),
        c.infraUsd(),
        c.turns(),
        c.llmCalls(),
        c.toolCalls(),
        c.unpricedCalls(),
        c.inputTokens(),
        c.outputTokens(),
        c.cacheReadTokens(),
        c.cacheWriteTokens(),
        c.reasoningTokens(),
        c.firstSeen(),
        c.lastSeen(),
        c.authTenant(),
        List.of());
  }
}
