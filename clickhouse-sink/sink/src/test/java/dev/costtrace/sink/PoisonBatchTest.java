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

import com.clickhouse.client.api.Client;
import dev.costtrace.config.Config;
import dev.costtrace.config.ConfigException;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.engine.ClickHouseTimeouts;
import dev.costtrace.sink.schema.SchemaOptions;
import dev.costtrace.testing.TestClickHouse;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A batch ClickHouse refuses with an error that is neither the data's nor the server's (issue 13):
 * tried a few times, then split; rows that still fail alone are dead-lettered, synced before the
 * buffer lets go of them, and replayed later exactly once.
 */
class PoisonBatchTest {
  static final long DAY = 86_400_000_000_000L;

  @TempDir Path dir;

  /**
   * A client as a ClickHouse profile with these limits would make: the sink's inserts get the
   * server's errors for them (TOO_MANY_PARTS for rows over more days than allowed;
   * TOO_LARGE_ARRAY_SIZE for a row with more tags than allowed).
   */
  static Client limitedClient(ClickHouseEndpoint e, Map<String, String> settings) {
    Client.Builder b =
        new Client.Builder()
            .addEndpoint(e.httpUrl())
            .setUsername(e.user())
            .setPassword(e.password())
            .setDefaultDatabase("default");
    settings.forEach(b::serverSetting);
    return b.build();
  }

  static ClickHouseSink.Builder sink(Client client, String db, Path buffer) {
    return ClickHouseSink.builder()
        .client(client, true)
        .database(db)
        .bufferDir(buffer)
        .batchSize(500)
        .maxBatchDelay(Duration.ofMillis(20))
        .maxBackoff(Duration.ofMillis(50))
        .maxBatchAttempts(2);
  }

  /** Rows of {@code traces} traces, trace t starting on day t: one export over that many days. */
  static List<SpanCostRow> overDays(int traces, int perTrace, long seed) {
    List<SpanCostRow> rows = new ArrayList<>();
    for (SpanCostRow r : spans(traces, perTrace, seed)) {
      long day =
          (r.startEpochNanos() - ClickHouseSinkTest.T0)
              / 1_000_000_000L; // spans() spaces traces by 1 s
      long start = r.startEpochNanos() + day * DAY;
      rows.add(
          r.toBuilder()
              .set(SpanColumns.START_TIME, start)
              .set(SpanColumns.END_TIME, start + 500)
              .build());
    }
    return rows;
  }

  static BigDecimal traceTotal(ClickHouseEndpoint e, String db) {
    return scalar(e, "SELECT toDecimal128(sum(total_cost), 12) FROM " + db + ".trace_rollup");
  }

  static BigDecimal conversationTotal(ClickHouseEndpoint e, String db) {
    return scalar(e, "SELECT toDecimal128(sum(total_cost), 12) FROM " + db + ".conversation_costs");
  }

  @Test
  void aBatchOverTooManyPartitionsIsSplitAndEveryRowLandsOnce() throws Exception {
    ClickHouseEndpoint e = TestClickHouse.shared();
    String db = migrate(e);
    List<SpanCostRow> rows = overDays(8, 3, 41); // 8 day partitions, 3 allowed per insert
    List<SpanAttribution> observations = attributions(rows, 3, 3);
    List<SpanCostRow> later = new ArrayList<>();
    for (SpanCostRow r : spans(2, 2, 42)) {
      later.add(r.toBuilder().set(SpanColumns.AUTH_TENANT, "other-tenant").build());
    }
    try (ClickHouseSink sink =
        sink(
                limitedClient(e, Map.of("max_partitions_per_insert_block", "3")),
                db,
                dir.resolve("parts"))
            .build()) {
      sink.accept(rows, observations);
      sink.accept(later, List.of()); // another tenant, behind the poison batch
      assertThat(sink.flush(Duration.ofMinutes(2)))
          .as("the buffer moves past the refused batch")
          .isTrue();
      SinkMetrics m = sink.metrics();
      assertThat(m.batchesFailed()).isGreaterThanOrEqualTo(2);
      assertThat(m.rowsDeadLettered()).isZero();
    }
    List<SpanCostRow> all = new ArrayList<>(rows);
    all.addAll(later);
    assertThat(count(e, "SELECT count() FROM " + db + ".spans")).isEqualTo(all.size());
    assertThat(traceTotal(e, db)).isEqualByComparingTo(sum(all));
    assertThat(conversationTotal(e, db)).isEqualByComparingTo(sum(rows));
    assertThat(verify(e, db).clean()).isTrue();
    assertThat(new DeadLetterStore(dir.resolve("parts")).files()).isEmpty();
  }

  @Test
  void aRowRefusedAloneIsDeadLetteredAndReplayedOnceAfterTheFix() throws Exception {
    ClickHouseEndpoint e = TestClickHouse.shared();
    String db = migrate(e);
    List<SpanCostRow> rows = new ArrayList<>(overDays(5, 2, 43));
    Map<String, String> tags = new HashMap<>();
    for (int i = 0; i < 6; i++) {
      tags.put("k" + i, "v" + i);
    }
    SpanCostRow poison = rows.get(3).toBuilder().set(SpanColumns.TAGS, tags).build();
    rows.set(3, poison);
    List<SpanAttribution> observations = attributions(rows, 2, 2);
    Path buffer = dir.resolve("row");
    Map<String, String> limits =
        Map.of("max_partitions_per_insert_block", "3", "format_binary_max_array_size", "4");
    try (ClickHouseSink sink = sink(limitedClient(e, limits), db, buffer).build()) {
      sink.accept(rows, observations);
      assertThat(sink.flush(Duration.ofMinutes(2))).isTrue();
      assertThat(sink.metrics().rowsDeadLettered()).isEqualTo(1);
    }
    List<SpanCostRow> good = new ArrayList<>(rows);
    good.remove(poison);
    assertThat(count(e, "SELECT count() FROM " + db + ".spans")).isEqualTo(good.size());
    assertThat(traceTotal(e, db)).isEqualByComparingTo(sum(good));
    assertThat(conversationTotal(e, db)).isEqualByComparingTo(sum(good));
    assertThat(verify(e, db).clean()).isTrue();

    Path file = buffer.resolve(DeadLetterStore.CURRENT);
    assertThat(Files.getPosixFilePermissions(file))
        .isEqualTo(PosixFilePermissions.fromString("rw-------"));
    List<DeadLetterList.FileSummary> listed = DeadLetterList.list(buffer);
    assertThat(listed).hasSize(1);
    assertThat(listed.get(0).spans()).isEqualTo(1);
    assertThat(listed.get(0).reasons()).containsOnlyKeys("TOO_LARGE_ARRAY_SIZE (128)");
    assertThat(listed.get(0).totalCost()).isEqualByComparingTo(poison.totalCost());

    SchemaOptions schema = new SchemaOptions(db, "", Duration.ZERO);
    // Not fixed yet: the row is still refused, stays, and nothing else changes.
    try (Client limited = limitedClient(e, limits)) {
      List<DeadLetterReplay.FileResult> r =
          new DeadLetterReplay(limited, schema, ClickHouseTimeouts.defaults()).replay(buffer);
      assertThat(r).hasSize(1);
      assertThat(r.get(0).failing()).isEqualTo(1);
      assertThat(r.get(0).stillFailing()).containsOnlyKeys("TOO_LARGE_ARRAY_SIZE (128)");
      assertThat(r.get(0).error()).isNull();
    }
    assertThat(DeadLetterList.list(buffer))
        .singleElement()
        .satisfies(s -> assertThat(s.spans()).isEqualTo(1));
    Path kept = Files.copy(new DeadLetterStore(buffer).files().get(0), dir.resolve("copy.jsonl"));

    // Fixed (a profile without the limit): the row lands once, its trace and conversation are
    // exact.
    try (Client c = e.newClient("default")) {
      DeadLetterReplay replay = new DeadLetterReplay(c, schema, ClickHouseTimeouts.defaults());
      List<DeadLetterReplay.FileResult> r = replay.replay(buffer);
      assertThat(r)
          .singleElement()
          .satisfies(
              f -> {
                assertThat(f.replayed()).isEqualTo(1);
                assertThat(f.failing()).isZero();
              });
      assertThat(new DeadLetterStore(buffer).files()).isEmpty();
      assertThat(traceTotal(e, db)).isEqualByComparingTo(sum(rows));
      assertThat(conversationTotal(e, db)).isEqualByComparingTo(sum(rows));

      // The same dead letters replayed again (a copy kept by hand): nothing counts twice.
      Files.copy(
          kept, buffer.resolve("dead-letter.000009.jsonl"), StandardCopyOption.REPLACE_EXISTING);
      assertThat(replay.replay(buffer))
          .singleElement()
          .satisfies(f -> assertThat(f.failing()).isZero());
    }
    assertThat(count(e, "SELECT count() FROM " + db + ".spans")).isEqualTo(rows.size());
    assertThat(traceTotal(e, db)).isEqualByComparingTo(sum(rows));
    assertThat(conversationTotal(e, db)).isEqualByComparingTo(sum(rows));
    assertThat(
            scalar(
                e,
                "SELECT toDecimal128(sum(total_cost), 12) FROM "
                    + db
                    + ".trace_rollup WHERE trace_id = '"
                    + poison.traceId()
                    + "'"))
        .isEqualByComparingTo(
            rows.stream()
                .filter(r -> r.traceId().equals(poison.traceId()))
                .map(SpanCostRow::totalCost)
                .reduce(BigDecimal.ZERO, BigDecimal::add));
    assertThat(verify(e, db).clean()).isTrue();
  }

  /**
   * The buffer is committed past a dead-lettered row only once the dead letter is on disk. Until
   * then the split batch fails after its halves were written; each retry writes them again, and
   * they still count once.
   */
  @Test
  void theBufferKeepsARowUntilItsDeadLetterIsWrittenAndRewrittenHalvesCountOnce() throws Exception {
    ClickHouseEndpoint e = TestClickHouse.shared();
    String db = migrate(e);
    List<SpanCostRow> rows = new ArrayList<>(overDays(5, 2, 44));
    SpanCostRow poison =
        rows.get(6).toBuilder()
            .set(
                SpanColumns.TAGS,
                Map.of("a", "1", "b", "2", "c", "3", "d", "4", "e", "5", "f", "6"))
            .build();
    rows.set(6, poison);
    Path buffer = dir.resolve("unsynced");
    Files.createDirectories(
        buffer.resolve(DeadLetterStore.CURRENT)); // a directory: the dead letter cannot be written
    Map<String, String> limits =
        Map.of("max_partitions_per_insert_block", "3", "format_binary_max_array_size", "4");
    try (ClickHouseSink sink =
        sink(limitedClient(e, limits), db, buffer).closeTimeout(Duration.ofMillis(100)).build()) {
      sink.accept(rows, attributions(rows, 2, 2));
      assertThat(
              sink.awaitMetrics(
                  m -> m.rowsWritten() >= 2L * (rows.size() - 1), Duration.ofMinutes(1)))
          .as("the halves written twice")
          .isTrue();
      assertThat(sink.flush(Duration.ofMillis(200)))
          .as("not committed without its dead letter")
          .isFalse();
      Files.delete(buffer.resolve(DeadLetterStore.CURRENT));
      assertThat(sink.flush(Duration.ofMinutes(1))).isTrue();
      assertThat(sink.metrics().rowsDeadLettered()).isEqualTo(1);
    }
    assertThat(DeadLetterList.list(buffer))
        .singleElement()
        .satisfies(s -> assertThat(s.spans()).isEqualTo(1));
    List<SpanCostRow> good = new ArrayList<>(rows);
    good.remove(poison);
    assertThat(count(e, "SELECT count() FROM " + db + ".spans")).isEqualTo(good.size());
    assertThat(traceTotal(e, db)).isEqualByComparingTo(sum(good));
    assertThat(conversationTotal(e, db)).isEqualByComparingTo(sum(good));
    assertThat(verify(e, db).clean()).isTrue();
  }

  @Test
  void deadLetterFilesRotateBySizeAndOnlyTheNewestAreKept() throws Exception {
    Path buffer = dir.resolve("rotate");
    DeadLetterFile dead = new DeadLetterFile(buffer, new SinkProgress(), 2048, 2);
    List<SpanCostRow> rows = spans(30, 1, 45);
    for (SpanCostRow r : rows) {
      dead.reject(r, "Code: 252. DB::Exception: Too many partitions (TOO_MANY_PARTS)");
      dead.sync();
    }
    DeadLetterStore store = new DeadLetterStore(buffer);
    List<Path> files = store.files();
    assertThat(files)
        .hasSizeBetween(2, 3); // two closed, and the current one unless it just rotated
    for (Path f : files) {
      assertThat(Files.getPosixFilePermissions(f))
          .isEqualTo(PosixFilePermissions.fromString("rw-------"));
      assertThat(Files.size(f)).isLessThan(2048 + 2048);
    }
    // The newest rows are the ones kept.
    List<DeadLetterList.FileSummary> listed = DeadLetterList.list(buffer);
    int kept = listed.stream().mapToInt(DeadLetterList.FileSummary::spans).sum();
    assertThat(kept).isLessThan(rows.size());
    String last = Files.readString(files.get(files.size() - 1));
    assertThat(last).contains(rows.get(rows.size() - 1).spanId());
  }

  @Test
  void badAttemptsSettingFailsNamingTheKey() {
    ClickHouseEndpoint e = TestClickHouse.shared();
    for (String bad : List.of("0", "many")) {
      assertThatThrownBy(
              () ->
                  ClickHouseSink.builder(
                      Config.of(Map.of(ClickHouseSink.MAX_BATCH_ATTEMPTS_KEY, bad)), e))
          .isInstanceOf(ConfigException.class)
          .hasMessageContaining("costtrace.sink.max.batch.attempts");
    }
    assertThatThrownBy(
            () ->
                ClickHouseSink.builder(
                    Config.of(Map.of("costtrace.sink.dead.letter.max.files", "0")), e))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("costtrace.sink.dead.letter.max.files");
  }
}
