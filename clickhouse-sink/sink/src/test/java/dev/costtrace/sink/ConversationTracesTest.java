package dev.costtrace.sink;

import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.rollup.RollupVerifier;
import dev.costtrace.sink.schema.SchemaOptions;
import dev.costtrace.testing.TestClickHouse;
import java.math.BigDecimal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The writer reads a conversation's traces by conversation (migration 0100: a projection of the
 * trace rollups sorted by conversation, read without FINAL), so a trace that moved to another
 * conversation still has an older rollup row naming the one it left until merges collapse it. Its
 * move (trace_moves) keeps that row out: with merges stopped, so that the old row stays, a later
 * trace of the conversation it left recomputes that conversation alone, and the moved trace is not
 * counted there. Through the real sink and ClickHouse; checked against {@code verify}, which reads
 * the trace rollups by definition (FINAL).
 */
class ConversationTracesTest {
  @TempDir Path dir;

  @Test
  void aTraceThatMovedIsCountedOnlyWhereItIsNow() throws Exception {
    ClickHouseEndpoint e = TestClickHouse.shared();
    String db = ClickHouseSinkTest.migrate(e);
    List<SpanCostRow> spans = ClickHouseSinkTest.spans(3, 2, 100);
    SpanCostRow moved = spans.get(0);
    SpanCostRow later = spans.get(2);
    SpanCostRow single = spans.get(4);
    try (Client c = e.newClient("default");
        ClickHouseSink sink =
            ClickHouseSink.builder()
                .client(e.newClient("default"), true)
                .database(db)
                .bufferDir(dir.resolve("buffer"))
                .maxBatchDelay(Duration.ofMillis(20))
                .conversationsByKeyFromRows(0) // by conversation, as on a large table
                .build()) {
      c.execute("SYSTEM STOP MERGES " + db + ".trace_rollups").get().close();
      c.execute("SYSTEM STOP MERGES " + db + ".trace_moves").get().close();

      // 1. A child span says conv-a: the trace is in conv-a.
      sink.accept(
          spans.subList(0, 2),
          List.of(child(moved.traceId(), "conv-a", moved.startEpochNanos() + 5)));
      assertThat(sink.flush(Duration.ofMinutes(1))).isTrue();
      assertThat(turns(c, db, "conv-a")).isEqualTo(1);

      // 2. Its root comes late and says conv-b: the trace moves (the root starts first).
      sink.accept(
          List.of(),
          List.of(
              ClickHouseSinkTest.root(
                  moved.traceId(), "conv-b", "acme", moved.startEpochNanos() - 1_000)));
      assertThat(sink.flush(Duration.ofMinutes(1))).isTrue();
      assertThat(turns(c, db, "conv-a")).isZero(); // deleted: its last trace left
      assertThat(turns(c, db, "conv-b")).isEqualTo(1);

      // 3. Another trace of conv-a: conv-a alone is recomputed, while the moved trace's old row
      // naming conv-a is still stored.
      assertThat(
              c.queryAll(
                      "SELECT count() AS n FROM "
                          + db
                          + ".trace_rollups WHERE trace_id = '"
                          + moved.traceId()
                          + "' AND conversation_id = 'conv-a'")
                  .get(0)
                  .getLong("n"))
          .isPositive();
      sink.accept(
          spans.subList(2, 4),
          List.of(
              ClickHouseSinkTest.root(
                  later.traceId(), "conv-a", "acme", later.startEpochNanos() - 1)));
      // 4. A trace observed with one conversation only writes no move.
      sink.accept(
          spans.subList(4, 6),
          List.of(
              ClickHouseSinkTest.root(
                  single.traceId(), "conv-c", "acme", single.startEpochNanos() - 1)));
      assertThat(sink.flush(Duration.ofMinutes(1))).isTrue();

      assertThat(turns(c, db, "conv-a")).isEqualTo(1);
      assertThat(cost(c, db, "conv-a"))
          .isEqualByComparingTo(ClickHouseSinkTest.sum(spans.subList(2, 4)));
      assertThat(turns(c, db, "conv-b")).isEqualTo(1);
      assertThat(cost(c, db, "conv-b"))
          .isEqualByComparingTo(ClickHouseSinkTest.sum(spans.subList(0, 2)));
      assertThat(
              c
                  .queryAll(
                      "SELECT conversation_id FROM "
                          + db
                          + ".trace_moves FINAL ORDER BY conversation_id")
                  .stream()
                  .map(r -> r.getString("conversation_id")))
          .containsExactly("conv-a", "conv-b");
      assertThat(
              new RollupVerifier(c, new SchemaOptions(db, "", Duration.ZERO))
                  .verify(Duration.ofDays(3650))
                  .differences())
          .isEmpty();
      c.execute("SYSTEM START MERGES " + db + ".trace_rollups").get().close();
      c.execute("SYSTEM START MERGES " + db + ".trace_moves").get().close();
    }
  }

  private static SpanAttribution child(String trace, String conversation, long start) {
    return new SpanAttribution(
        "", trace, "00000000000000bb", start, conversation, "acme", "", "", Map.of(), start);
  }

  /** The conversation's live turns (0 when it is deleted or was never written). */
  private static long turns(Client c, String db, String conversation) {
    List<GenericRecord> rows =
        c.queryAll(
            "SELECT turns FROM "
                + db
                + ".conversation_rollups FINAL WHERE conversation_id = '"
                + conversation
                + "'");
    return rows.isEmpty() ? 0 : rows.get(0).getLong("turns");
  }

  private static BigDecimal cost(Client c, String db, String conversation) {
    return c.queryAll(
            "SELECT total_cost FROM "
                + db
                + ".conversation_rollups FINAL WHERE conversation_id = '"
                + conversation
                + "'")
        .get(0)
        .getBigDecimal("total_cost");
  }
}
