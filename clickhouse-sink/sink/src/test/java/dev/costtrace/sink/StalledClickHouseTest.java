package dev.costtrace.sink;

import static dev.costtrace.sink.ClickHouseSinkTest.attributions;
import static dev.costtrace.sink.ClickHouseSinkTest.count;
import static dev.costtrace.sink.ClickHouseSinkTest.migrate;
import static dev.costtrace.sink.ClickHouseSinkTest.scalar;
import static dev.costtrace.sink.ClickHouseSinkTest.spans;
import static dev.costtrace.sink.ClickHouseSinkTest.sum;
import static dev.costtrace.sink.ClickHouseSinkTest.verify;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.clickhouse.client.api.Client;
import dev.costtrace.config.Config;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.engine.ClickHouseTimeouts;
import dev.costtrace.sink.schema.SchemaOptions;
import dev.costtrace.testing.LoopbackGate;
import dev.costtrace.testing.TestClickHouse;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ClickHouse accepts the connection and never answers (a frozen node, a half-open connection): the
 * writer's calls give up after their timeouts and the batch is retried, instead of the writer
 * hanging for ever; once ClickHouse answers again the batch is stored, once.
 */
class StalledClickHouseTest {
  static final Duration SOCKET = Duration.ofSeconds(1);

  @TempDir Path dir;

  /**
   * The shared engine behind a gate: forwarding when open, accepting and never answering when
   * stalled.
   */
  static ClickHouseEndpoint behind(LoopbackGate gate, ClickHouseEndpoint e) {
    return ClickHouseEndpoint.of(
        e.kind(), "http://127.0.0.1:" + gate.port(), e.user(), e.password(), null);
  }

  static LoopbackGate gateTo(ClickHouseEndpoint e) throws Exception {
    URI url = URI.create(e.httpUrl());
    return new LoopbackGate(url.getHost(), url.getPort());
  }

  @Test
  void theWritersInsertOnAClientWithoutTimeoutsGivesUpAfterTheSocketTimeout() throws Exception {
    ClickHouseEndpoint e = TestClickHouse.shared();
    String db = migrate(e);
    List<SpanCostRow> rows = spans(2, 5, 21);
    try (LoopbackGate gate = gateTo(e);
        // Built without timeouts, as a caller's client may be: the writer bounds its own calls.
        Client client = behind(gate, e).newClient("default")) {
      gate.open();
      ClickHouseWriter writer =
          new ClickHouseWriter(
              client,
              new SchemaOptions(db, "", Duration.ZERO),
              new ClickHouseWriter.DeadLetters() {
                @Override
                public void reject(SpanCostRow row, String reason) {}

                @Override
                public void reject(SpanAttribution observation, String reason) {}
              },
              1_000,
              new ClickHouseTimeouts(SOCKET, SOCKET, Duration.ofSeconds(2)),
              ClickHouseSink.Builder.DEFAULT_CONVERSATIONS_BY_KEY_FROM_ROWS);
      ClickHouseWriter.Prepared p =
          writer.prepare(rows, List.of()); // describes the tables, through the gate
      gate.stall();
      long start = System.nanoTime();
      assertTimeoutPreemptively(
          Duration.ofSeconds(20),
          () -> {
            Future<ClickHouseWriter.Sent> sent = writer.send(p, p.touched);
            assertThatThrownBy(() -> writer.finish(p, p.touched, sent))
                .isInstanceOf(ClickHouseWriter.RetryableException.class);
          },
          "the insert hung on a server that never answers");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(15));
      assertThat(gate.heldConnections()).as("the insert reached the stalled server").isPositive();
      writer.forget(p.encoded);

      gate.open(); // ClickHouse answers again: the same batch, retried, goes in
      ClickHouseWriter.Prepared again = writer.prepare(rows, List.of());
      ClickHouseWriter.Written written =
          writer.finish(again, again.touched, writer.send(again, again.touched));
      writer.close();
      assertThat(written.stored()).isEqualTo(rows.size());
      assertThat(count(e, "SELECT count() FROM " + db + ".span_rows")).isEqualTo(rows.size());
      assertThat(scalar(e, "SELECT sum(total_cost) FROM " + db + ".trace_costs"))
          .isEqualByComparingTo(sum(rows));
    }
  }

  @Test
  void aSinkConfiguredWithTimeoutsRetriesThroughAStallAndStoresEverySpanOnce() throws Exception {
    ClickHouseEndpoint e = TestClickHouse.shared();
    String db = migrate(e);
    List<SpanCostRow> rows = spans(20, 5, 22);
    List<SpanAttribution> roots = attributions(rows, 5, 3);
    Config config =
        Config.of(
            Map.of(
                "costtrace.clickhouse.database", db,
                "costtrace.clickhouse.socket.timeout", "1s",
                "costtrace.clickhouse.connect.timeout", "1s",
                "costtrace.clickhouse.query.timeout", "2s",
                "costtrace.sink.buffer.dir", dir.resolve("buffer").toString(),
                "costtrace.sink.batch.size", "50",
                "costtrace.sink.batch.delay", "20ms",
                "costtrace.sink.max.backoff", "200ms"),
            Map.of());
    try (LoopbackGate gate = gateTo(e)) {
      gate.open();
      try (ClickHouseSink sink = ClickHouseSink.builder(config, behind(gate, e)).build()) {
        sink.accept(rows.subList(0, 50), roots.subList(0, 10));
        assertThat(sink.flush(Duration.ofMinutes(1))).as(sink.metrics().toString()).isTrue();

        gate.stall();
        long failedBefore = sink.metrics().batchesFailed();
        sink.accept(rows.subList(50, 100), roots.subList(10, 20));
        // Each attempt waits on a connection that is never answered; it must give up and retry.
        assertThat(
                sink.awaitMetrics(
                    m -> m.batchesFailed() >= failedBefore + 3, Duration.ofSeconds(30)))
            .as("the writer hung on a stalled connection: " + sink.metrics())
            .isTrue();
        assertThat(gate.heldConnections())
            .as("attempts reached the stalled server")
            .isGreaterThanOrEqualTo(2);
        assertThat(sink.metrics().bufferedBytes()).isPositive();

        gate.open();
        assertThat(sink.flush(Duration.ofMinutes(1))).as(sink.metrics().toString()).isTrue();
      }
    }
    assertThat(count(e, "SELECT count() FROM " + db + ".spans")).isEqualTo(rows.size());
    assertThat(count(e, "SELECT count() FROM " + db + ".span_rows"))
        .as("no row written twice")
        .isEqualTo(rows.size());
    assertThat(scalar(e, "SELECT sum(total_cost) FROM " + db + ".trace_costs"))
        .isEqualByComparingTo(sum(rows));
    assertThat(count(e, "SELECT count() FROM " + db + ".trace_costs")).isEqualTo(20);
    assertThat(verify(e, db).differences()).isEmpty();
  }
}
