package dev.costtrace.sink;

import static org.assertj.core.api.Assertions.assertThat;

import com.clickhouse.client.api.Client;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.testing.TestClickHouse;
import dev.costtrace.testing.faults.ClickHouseFaultProxy;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ClickHouse behind a proxy that answers 503 while ClickHouse is away (a load balancer, chproxy,
 * the embedded engine's front while it restarts): the answer carries no ClickHouse error code, so
 * it is the server's, retried for ever. Regression: it counted as the batch's own, and after the
 * bounded attempts the batch was split and every row dead-lettered, out of every total.
 */
class ProxyOutageTest {
  @TempDir Path dir;

  @Test
  void aProxysUnavailableAnswerIsRetriedNotDeadLettered() throws Exception {
    ClickHouseEndpoint e = TestClickHouse.shared();
    String db = ClickHouseSinkTest.migrate(e);
    List<SpanCostRow> rows = ClickHouseSinkTest.spans(40, 5, 7);
    try (ClickHouseFaultProxy proxy = new ClickHouseFaultProxy(URI.create(e.httpUrl()).getPort())) {
      Client client =
          new Client.Builder()
              .addEndpoint(proxy.url())
              .setUsername(e.user())
              .setPassword(e.password())
              .setDefaultDatabase("default")
              .build();
      try (ClickHouseSink sink =
          ClickHouseSink.builder()
              .client(client, true)
              .database(db)
              .bufferDir(dir.resolve("buffer"))
              .batchSize(50)
              .maxBatchDelay(Duration.ofMillis(10))
              .maxBackoff(Duration.ofMillis(20))
              .maxBatchAttempts(2)
              .build()) {
        sink.accept(rows.subList(0, 100), List.of());
        assertThat(sink.flush(Duration.ofMinutes(2))).isTrue();
        proxy.closeGate(); // every request now gets 503 with a body that is not ClickHouse's
        sink.accept(rows.subList(100, 200), List.of());
        // Far more failed attempts than the two a batch's own refusal is allowed before it is
        // split.
        assertThat(sink.awaitMetrics(m -> m.batchesFailed() >= 10, Duration.ofMinutes(1)))
            .as(sink.metrics().toString())
            .isTrue();
        assertThat(sink.metrics().rowsDeadLettered()).as(sink.metrics().toString()).isZero();
        proxy.openGate();
        assertThat(sink.flush(Duration.ofMinutes(2))).isTrue();
        assertThat(sink.metrics().rowsDeadLettered()).isZero();
      }
    }
    assertThat(ClickHouseSinkTest.count(e, "SELECT count() FROM " + db + ".spans")).isEqualTo(200);
    assertThat(ClickHouseSinkTest.scalar(e, "SELECT sum(total_cost) FROM " + db + ".trace_costs"))
        .isEqualByComparingTo(ClickHouseSinkTest.sum(rows));
    try (var files = Files.list(dir.resolve("buffer"))) {
      assertThat(files.map(p -> p.getFileName().toString()))
          .noneMatch(n -> n.startsWith("dead-letter") && n.endsWith(".jsonl"));
    }
  }
}
