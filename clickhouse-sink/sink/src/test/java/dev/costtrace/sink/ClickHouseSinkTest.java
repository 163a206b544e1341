package dev.costtrace.sink;

import static dev.costtrace.sink.SpanColumns.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.engine.EmbeddedClickHouse;
import dev.costtrace.sink.rollup.RollupVerifier;
import dev.costtrace.sink.schema.Migrator;
import dev.costtrace.sink.schema.SchemaOptions;
import dev.costtrace.testing.TestClickHouse;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClickHouseSinkTest {
  static final long T0 = 1_767_225_600_000_000_000L; // 2026-01-01T00:00:00Z

  @TempDir Path dir;

  static String migrate(ClickHouseEndpoint e) {
    String db = TestClickHouse.newDatabase("sink");
    try (Client c = e.newClient("default")) {
      new Migrator(c, new SchemaOptions(db, "", Duration.ZERO)).up();
    }
    return db;
  }

  static String id(Random r, int bytes) {
    byte[] b = new byte[bytes];
    r.nextBytes(b);
    return HexFormat.of().formatHex(b);
  }

  /** Spans over {@code traces} traces, costs with 12 fractional digits, conversation on some. */
  static List<SpanCostRow> spans(int traces, int perTrace, long seed) {
    Random r = new Random(seed);
    List<SpanCostRow> out = new ArrayList<>();
    for (int t = 0; t < traces; t++) {
      String trace = id(r, 16);
      for (int s = 0; s < perTrace; s++) {
        BigDecimal cost =
            new BigDecimal(r.nextInt(50_000_000))
                .movePointLeft(12)
                .add(new BigDecimal(r.nextInt(3)));
        long start = T0 + t * 1_000_000_000L + s;
        out.add(
            SpanCostRow.builder()
                .traceId(trace)
                .spanId(id(r, 8))
                .set(START_TIME, start)
                .set(END_TIME, start + 500)
                .set(SERVICE_NAME, "chat-api")
                .set(PROVIDER, "openai")
                .set(REQUEST_MODEL, "gpt-4o")
                .set(RESPONSE_MODEL, s % 2 == 0 ? "gpt-4o" : "gpt-4o-mini")
                .set(OPERATION, "chat")
                .set(INPUT_TOKENS, 100L + s)
                .set(OUTPUT_TOKENS, 10L)
                .set(INPUT_COST, cost)
                .set(TOTAL_COST, cost)
                .set(PRICING_STATUS, "PRICED")
                .set(CATALOG_VERSION, "test")
                .build());
      }
    }
    return out;
  }

  /**
   * What a trace's root span said: a conversation and tenant, starting before the trace's spans.
   */
  static SpanAttribution root(String trace, String conversation, String tenant, long start) {
    return new SpanAttribution(
        "", trace, "00000000000000aa", start, conversation, tenant, "", "", Map.of(), T0);
  }

  /**
   * One root observation per trace of {@code rows} ({@code perTrace} spans each), tenant acme,
   * conversations conv-0…
   */
  static List<SpanAttribution> attributions(
      List<SpanCostRow> rows, int perTrace, int conversations) {
    List<SpanAttribution> out = new ArrayList<>();
    for (int t = 0; t < rows.size() / perTrace; t++) {
      SpanCostRow first = rows.get(t * perTrace);
      out.add(
          root(
              first.traceId(), "conv-" + (t % conversations), "acme", first.startEpochNanos() - 1));
    }
    return out;
  }

  static BigDecimal sum(List<SpanCostRow> rows) {
    return rows.stream().map(SpanCostRow::totalCost).reduce(BigDecimal.ZERO, BigDecimal::add);
  }

  static ClickHouseSink sink(ClickHouseEndpoint e, String db, Path buffer) {
    return ClickHouseSink.builder()
        .client(e.newClient("default"), true)
        .database(db)
        .bufferDir(buffer)
        .batchSize(500)
        .maxBatchDelay(Duration.ofMillis(50))
        .build();
  }

  static BigDecimal scalar(ClickHouseEndpoint e, String sql) {
    try (Client c = e.newClient("default")) {
      GenericRecord r = c.queryAll(sql).get(0);
      return r.getBigDecimal(1);
    }
  }

  static long count(ClickHouseEndpoint e, String sql) {
    try (Client c = e.newClient("default")) {
      return c.queryAll(sql).get(0).getLong(1);
    }
  }

  @Test
  void everySpanWrittenTwiceInDifferentOrdersCountsOnce() throws Exception {
    ClickHouseEndpoint e = TestClickHouse.shared();
    String db = migrate(e);
    List<SpanCostRow> rows = spans(60, 5, 1);
    List<SpanAttribution> attributions = attributions(rows, 5, 12);
    List<SpanCostRow> shuffled = new ArrayList<>(rows);
    Collections.shuffle(shuffled, new Random(7));
    try (ClickHouseSink sink = sink(e, db, dir.resolve("a"))) {
      for (int i = 0; i < rows.size(); i += 37) {
        sink.accept(rows.subList(i, Math.min(rows.size(), i + 37)), List.of());
      }
      sink.accept(List.of(), attributions);
      assertThat(sink.flush(Duration.ofMinutes(2))).isTrue();
      // every export retried, in other batches and another order, some after a flush
      for (int i = 0; i < shuffled.size(); i += 53) {
        sink.accept(shuffled.subList(i, Math.min(shuffled.size(), i + 53)), List.of());
      }
      sink.accept(shuffled.subList(0, 10), attributions); // and a retry inside one batch
      assertThat(sink.flush(Duration.ofMinutes(2))).isTrue();
      assertThat(sink.metrics().rowsWritten()).isEqualTo(300);
      assertThat(sink.metrics().rowsDuplicate()).isEqualTo(310);
    }
    BigDecimal expected = sum(rows);
    assertThat(count(e, "SELECT count() FROM " + db + ".spans")).isEqualTo(300);
    assertThat(scalar(e, "SELECT sum(total_cost) FROM " + db + ".spans"))
        .isEqualByComparingTo(expected);
    assertThat(scalar(e, "SELECT sum(total_cost) FROM " + db + ".trace_costs"))
        .isEqualByComparingTo(expected);
    assertThat(scalar(e, "SELECT sum(total_cost) FROM " + db + ".conversation_costs"))
        .isEqualByComparingTo(expected);
    assertThat(count(e, "SELECT sum(turns) FROM " + db + ".conversation_costs")).isEqualTo(60);
    assertThat(count(e, "SELECT sum(llm_calls) FROM " + db + ".conversation_costs")).isEqualTo(300);
  }

  /**
   * The writer takes accepted calls from memory while they fit its bound and reads the rest back
   * from the buffer: from several threads at once, past the bound, every row is stored once and
   * whole, whichever way it went.
   */
  @Test
  void callsTakenFromMemoryAndFromTheBufferAlikeAreStoredOnceAndWhole() throws Exception {
    ClickHouseEndpoint e = TestClickHouse.shared();
    String db = migrate(e);
    List<SpanCostRow> rows = spans(400, 5, 3);
    int threads = 4;
    try (ClickHouseSink sink =
        ClickHouseSink.builder()
            .client(e.newClient("default"), true)
            .database(db)
            .bufferDir(dir.resolve("mixed"))
            .batchSize(40)
            .maxBatchDelay(Duration.ofMillis(5))
            .build()) {
      java.util.concurrent.ExecutorService pool =
          java.util.concurrent.Executors.newFixedThreadPool(threads);
      List<java.util.concurrent.Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        done.add(
            pool.submit(
                () -> {
                  // 7-row calls, each thread its own share: far more than 4 batches of 40 rows wait
                  // at times
                  for (int i = thread * 7; i < rows.size(); i += threads * 7) {
                    sink.accept(rows.subList(i, Math.min(rows.size(), i + 7)), List.of());
                  }
                  return null;
                }));
      }
      for (java.util.concurrent.Future<?> f : done) {
        f.get();
      }
      pool.shutdown();
      assertThat(sink.flush(Duration.ofSeconds(60))).isTrue();
      assertThat(sink.metrics().rowsWritten()).isEqualTo(rows.size());
      assertThat(sink.metrics().rollups())
          .as("behind the backlog, batches shared their rollups")
          .isLessThan(sink.metrics().batches());
      long[] sources = sink.batchSources();
      assertThat(sources[0]).as("batches taken from memory").isPositive();
      assertThat(sources[1]).as("batches read back from the buffer").isPositive();
    }
    assertThat(count(e, "SELECT count() FROM " + db + ".spans")).isEqualTo(rows.size());
    assertThat(count(e, "SELECT uniqExact(trace_id, span_id) FROM " + db + ".spans"))
        .isEqualTo(rows.size());
    assertThat(scalar(e, "SELECT sum(total_cost) FROM " + db + ".spans"))
        .isEqualByComparingTo(sum(rows));
    assertThat(count(e, "SELECT sum(input_tokens) FROM " + db + ".spans"))
        .isEqualTo(rows.stream().mapToLong(r -> r.get(INPUT_TOKENS)).sum());
    assertThat(count(e, "SELECT countIf(response_model = 'gpt-4o-mini') FROM " + db + ".spans"))
        .isEqualTo(rows.stream().filter(r -> r.get(RESPONSE_MODEL).equals("gpt-4o-mini")).count());
    assertThat(verify(e, db).differences()).isEmpty();
  }

  /**
   * Behind a backlog the writer prepares batch n+1 while ClickHouse takes batch n. A failure of n
   * (here: its attributions' table gone for a while, after its spans went in) abandons n+1 too;
   * exporter retries of calls already written arrive in between. Every span is stored once, every
   * trace keeps its attribution.
   */
  @Test
  void overlappedBatchesFailingMidStreamCountOnce() throws Exception {
    ClickHouseEndpoint e = TestClickHouse.shared();
    String db = migrate(e);
    List<SpanCostRow> rows = spans(1_000, 4, 21);
    List<SpanAttribution> attributions = attributions(rows, 4, 50);
    try (ClickHouseSink sink =
        ClickHouseSink.builder()
            .client(e.newClient("default"), true)
            .database(db)
            .bufferDir(dir.resolve("overlap"))
            .batchSize(200)
            .maxBatchDelay(Duration.ofMillis(5))
            .maxBackoff(Duration.ofMillis(100))
            .build()) {
      for (int t = 0; t < 1_000; t += 5) { // five traces per call: 20 spans, 5 attributions
        sink.accept(rows.subList(t * 4, t * 4 + 20), attributions.subList(t, t + 5));
        if (t == 400) {
          try (Client c = e.newClient("default")) {
            c.queryAll(
                "RENAME TABLE " + db + ".span_attributions TO " + db + ".span_attributions_away");
          }
        }
        if (t == 600) {
          assertThat(sink.awaitMetrics(m -> m.batchesFailed() > 0, Duration.ofMinutes(2))).isTrue();
          try (Client c = e.newClient("default")) {
            c.queryAll(
                "RENAME TABLE " + db + ".span_attributions_away TO " + db + ".span_attributions");
          }
        }
        if (t % 100 == 0 && t > 0) {
          sink.accept(
              rows.subList((t - 100) * 4, (t - 100) * 4 + 20), List.of()); // an exporter retry
        }
      }
      assertThat(sink.flush(Duration.ofSeconds(60))).isTrue();
      assertThat(sink.metrics().batchesFailed()).as("the failure happened").isPositive();
      assertThat(sink.batchSources()[2])
          .as("batches prepared while the one before was in flight")
          .isPositive();
    }
    assertThat(count(e, "SELECT count() FROM " + db + ".spans")).isEqualTo(rows.size());
    assertThat(count(e, "SELECT uniqExact(trace_id, span_id) FROM " + db + ".spans"))
        .isEqualTo(rows.size());
    assertThat(scalar(e, "SELECT sum(total_cost) FROM " + db + ".trace_costs"))
        .isEqualByComparingTo(sum(rows));
    assertThat(scalar(e, "SELECT sum(total_cost) FROM " + db + ".conversation_costs"))
        .isEqualByComparingTo(sum(rows));
    assertThat(count(e, "SELECT uniqExact(trace_id) FROM " + db + ".span_attributions"))
        .isEqualTo(1_000);
    assertThat(verify(e, db).differences()).isEmpty();
    assertThat(count(e, "SELECT count() FROM " + db + ".conversation_costs")).isEqualTo(50);
  }

  @Test
  void attributionArrivingAfterTheSpansMovesTheCostToTheConversation() throws Exception {
    ClickHouseEndpoint e = TestClickHouse.shared();
    String db = migrate(e);
    List<SpanCostRow> rows = spans(3, 4, 2);
    String t0 = rows.get(0).traceId();
    String t1 = rows.get(4).traceId();
    String t2 = rows.get(8).traceId();
    try (ClickHouseSink sink = sink(e, db, dir.resolve("late"))) {
      sink.accept(rows, List.of());
      assertThat(sink.flush(Duration.ofMinutes(2))).isTrue();
      assertThat(count(e, "SELECT count() FROM " + db + ".conversation_costs")).isZero();
      // the root spans arrive last, in another batch: two traces belong to conv-A, one to conv-B
      sink.accept(
          List.of(),
          List.of(
              new SpanAttribution(
                  "",
                  t0,
                  "00000000000000a0",
                  T0 - 10,
                  "conv-A",
                  "t1",
                  "u1",
                  "support",
                  Map.of(),
                  T0),
              new SpanAttribution(
                  "",
                  t1,
                  "00000000000000a1",
                  T0 - 10,
                  "conv-A",
                  "t1",
                  "u1",
                  "support",
                  Map.of(),
                  T0),
              new SpanAttribution(
                  "",
                  t2,
                  "00000000000000a2",
                  T0 - 10,
                  "conv-B",
                  "t2",
                  "u2",
                  "search",
                  Map.of(),
                  T0)));
      assertThat(sink.flush(Duration.ofMinutes(2))).isTrue();
      assertThat(
              scalar(
                  e,
                  "SELECT total_cost FROM "
                      + db
                      + ".conversation_costs WHERE conversation_id = 'conv-A'"))
          .isEqualByComparingTo(sum(rows.subList(0, 8)));
      // an even earlier span of trace t1 says conv-C: the trace moves, and both conversations
      // change
      sink.accept(
          List.of(),
          List.of(
              new SpanAttribution(
                  "", t1, "00000000000000b1", T0 - 20, "conv-C", "", "", "", Map.of(), T0)));
      assertThat(sink.flush(Duration.ofMinutes(2))).isTrue();
    }
    assertThat(
            scalar(
                e,
                "SELECT total_cost FROM "
                    + db
                    + ".conversation_costs WHERE conversation_id = 'conv-A'"))
        .isEqualByComparingTo(sum(rows.subList(0, 4)));
    assertThat(
            count(
                e,
                "SELECT turns FROM " + db + ".conversation_costs WHERE conversation_id = 'conv-A'"))
        .isEqualTo(1);
    assertThat(
            scalar(
                e,
                "SELECT total_cost FROM "
                    + db
                    + ".conversation_costs WHERE conversation_id = 'conv-C'"))
        .isEqualByComparingTo(sum(rows.subList(4, 8)));
    assertThat(
            scalar(
                e,
                "SELECT total_cost FROM "
                    + db
                    + ".conversation_costs WHERE conversation_id = 'conv-B'"))
        .isEqualByComparingTo(sum(rows.subList(8, 12)));
    try (Client c = e.newClient("default")) {
      GenericRecord r =
          c.queryAll(
                  "SELECT tenant_id, feature, user_id FROM "
                      + db
                      + ".conversation_costs WHERE conversation_id = 'conv-C'")
              .get(0);
      // the fields conv-C's span did not say come from the trace's other span: never empty
      assertThat(r.getString("tenant_id")).isEqualTo("t1");
      assertThat(r.getString("feature")).isEqualTo("support");
      assertThat(r.getString("user_id")).isEqualTo("u1");
    }
    assertThat(verify(e, db).differences()).isEmpty();
  }

  /**
   * A batch whose span rows reached ClickHouse but whose attributions did not (their table gone for
   * a moment) is retried; the retry, larger by the calls accepted meanwhile, is a different block
   * that ClickHouse's own dedup would not catch: the sink checks what is stored instead.
   */
  @Test
  void retryAfterAPartlyWrittenBatchCountsOnce() throws Exception {
    ClickHouseEndpoint e = TestClickHouse.shared();
    String db = migrate(e);
    List<SpanCostRow> rows = spans(20, 5, 11);
    List<SpanAttribution> attributions = attributions(rows, 5, 4);
    // A first batch goes through whole: the sink knows both tables, so the next batch is encoded
    // whole and then fails between its two inserts.
    List<SpanCostRow> first = spans(1, 5, 99);
    try (ClickHouseSink sink = sink(e, db, dir.resolve("partial"))) {
      sink.accept(first, List.of(root(first.get(0).traceId(), "conv-0", "acme", T0 - 1)));
      assertThat(sink.flush(Duration.ofMinutes(2))).isTrue();
      try (Client c = e.newClient("default")) {
        c.queryAll(
            "RENAME TABLE " + db + ".span_attributions TO " + db + ".span_attributions_away");
      }
      sink.accept(rows.subList(0, 50), attributions.subList(0, 10));
      assertThat(sink.awaitMetrics(m -> m.batchesFailed() >= 1, Duration.ofMinutes(2))).isTrue();
      assertThat(count(e, "SELECT count() FROM " + db + ".spans"))
          .as("spans in, attributions failing")
          .isEqualTo(55);
      sink.accept(rows.subList(50, 100), attributions.subList(10, 20)); // the retry grows
      assertThat(sink.awaitMetrics(m -> m.batchesFailed() >= 2, Duration.ofMinutes(2))).isTrue();
      try (Client c = e.newClient("default")) {
        c.queryAll(
            "RENAME TABLE " + db + ".span_attributions_away TO " + db + ".span_attributions");
      }
      assertThat(sink.flush(Duration.ofMinutes(2))).isTrue();
    }
    BigDecimal expected = sum(rows).add(sum(first));
    assertThat(count(e, "SELECT count() FROM " + db + ".spans")).isEqualTo(105);
    assertThat(scalar(e, "SELECT sum(total_cost) FROM " + db + ".trace_costs"))
        .isEqualByComparingTo(expected);
    assertThat(scalar(e, "SELECT sum(total_cost) FROM " + db + ".conversation_costs"))
        .isEqualByComparingTo(expected);
    assertThat(count(e, "SELECT sum(llm_calls) FROM " + db + ".conversation_costs")).isEqualTo(105);
    assertThat(verify(e, db).differences()).isEmpty();
  }

  @Test
  void replayOfABatchThatReachedClickHouseBeforeACrashCountsOnce() throws Exception {
    ClickHouseEndpoint e = TestClickHouse.shared();
    String db = migrate(e);
    List<SpanCostRow> rows = spans(20, 3, 9);
    Path buffer = dir.resolve("replay");
    ClickHouseSink first =
        ClickHouseSink.builder()
            .client(e.newClient("default"), true)
            .database(db)
            .bufferDir(buffer)
            .batchSize(1_000_000)
            .maxBatchDelay(Duration.ofHours(1))
            .build();
    first.accept(rows, List.of());
    first.crash();
    // The same buffer as it was on disk when ClickHouse took the batch but the checkpoint was lost.
    Path lostCheckpoint = dir.resolve("replay-copy");
    Files.createDirectories(lostCheckpoint);
    try (var files = Files.list(buffer)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Files.copy(f, lostCheckpoint.resolve(f.getFileName()));
      }
    }
    try (ClickHouseSink second = sink(e, db, buffer)) {
      assertThat(second.flush(Duration.ofMinutes(2))).isTrue();
    }
    try (ClickHouseSink third = sink(e, db, lostCheckpoint)) {
      assertThat(third.flush(Duration.ofMinutes(2))).isTrue();
      assertThat(third.metrics().rowsWritten())
          .as("written again: the keys collapse them")
          .isEqualTo(60);
    }
    assertThat(count(e, "SELECT count() FROM " + db + ".span_rows"))
        .as("stored twice")
        .isEqualTo(120);
    assertThat(count(e, "SELECT count() FROM " + db + ".spans")).as("read once").isEqualTo(60);
    assertThat(scalar(e, "SELECT sum(total_cost) FROM " + db + ".trace_costs"))
        .isEqualByComparingTo(sum(rows));
    assertThat(verify(e, db).differences()).isEmpty();
  }

  @Test
  void recentSpansWindowIsBounded() {
    RecentSpans recent = new RecentSpans(4);
    for (int i = 0; i < 8; i++) {
      assertThat(recent.add("", "t", "s" + i)).isTrue();
    }
    assertThat(recent.add("", "t", "s0")).isFalse(); // two generations of 4: all 8 remembered
    assertThat(recent.add("", "t", "s7")).isFalse();
    assertThat(recent.add("", "t", "s8")).isTrue(); // a third generation starts: s0..s3 dropped
    assertThat(recent.add("", "t", "s0")).isTrue();
    assertThat(recent.add("", "t", "s5")).isFalse();
    recent.remove("", "t", "s5");
    assertThat(recent.add("", "t", "s5")).isTrue();
    assertThat(recent.add("other-tenant", "t", "s5"))
        .as("another tenant's span with the same IDs")
        .isTrue();
  }

  @Test
  void engineOutageMidStreamLosesNothingAndCountsOnce() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path data = dir.resolve("engine");
    EmbeddedClickHouse engine = EmbeddedClickHouse.builder().dataDir(data).port(port).build();
    ClickHouseEndpoint e = engine.start();
    String db = migrate(e);
    List<SpanCostRow> rows = spans(40, 5, 3);
    ClickHouseSink sink =
        ClickHouseSink.builder()
            .client(e.newClient("default"), true)
            .database(db)
            .bufferDir(dir.resolve("buffer"))
            .batchSize(50)
            .maxBatchDelay(Duration.ofMillis(20))
            .maxBackoff(Duration.ofMillis(200))
            .build();
    sink.accept(rows.subList(0, 100), List.of());
    assertThat(sink.flush(Duration.ofMinutes(2))).isTrue();
    e.close(); // ClickHouse goes away mid-stream
    for (int i = 100; i < 200; i += 10) {
      sink.accept(rows.subList(i, i + 10), List.of()); // still acknowledged: on disk
    }
    assertThat(sink.flush(Duration.ofMillis(500))).isFalse();
    assertThat(sink.awaitMetrics(m -> m.batchesFailed() > 0, Duration.ofSeconds(60)))
        .as(sink.metrics().toString())
        .isTrue();
    assertThat(sink.metrics().bufferedBytes()).as(sink.metrics().toString()).isPositive();
    assertThat(sink.metrics().pendingBytes()).as(sink.metrics().toString()).isPositive();
    ClickHouseEndpoint back = engine.start(); // same data directory, same port
    try {
      assertThat(sink.flush(Duration.ofMinutes(3))).isTrue();
      assertThat(sink.metrics().pendingBytes()).as("caught up").isZero();
      sink.close();
      assertThat(count(back, "SELECT count() FROM " + db + ".spans")).isEqualTo(200);
      assertThat(scalar(back, "SELECT sum(total_cost) FROM " + db + ".trace_costs"))
          .isEqualByComparingTo(sum(rows));
    } finally {
      back.close();
    }
  }

  @Test
  void killedWriterReplaysItsBufferOnRestart() throws Exception {
    ClickHouseEndpoint e = TestClickHouse.shared();
    String db = migrate(e);
    List<SpanCostRow> rows = spans(10, 3, 4);
    Path buffer = dir.resolve("crash");
    ClickHouseSink doomed =
        ClickHouseSink.builder()
            .client(e.newClient("default"), true)
            .database(db)
            .bufferDir(buffer)
            .batchSize(1_000_000)
            .maxBatchDelay(Duration.ofHours(1))
            .build();
    doomed.accept(rows, List.of());
    doomed.crash(); // acknowledged, never written: the process dies here
    assertThat(count(e, "SELECT count() FROM " + db + ".spans")).isZero();
    try (ClickHouseSink restarted = sink(e, db, buffer)) {
      assertThat(restarted.flush(Duration.ofMinutes(2))).isTrue();
    }
    assertThat(count(e, "SELECT count() FROM " + db + ".spans")).isEqualTo(30);
    assertThat(scalar(e, "SELECT sum(total_cost) FROM " + db + ".trace_costs"))
        .isEqualByComparingTo(sum(rows));
  }

  @Test
  void fullBufferPushesBackAndDropsNothing() throws Exception {
    int deadPort;
    try (ServerSocket s = new ServerSocket(0)) {
      deadPort = s.getLocalPort();
    }
    Client nowhere =
        new Client.Builder()
            .addEndpoint("http://127.0.0.1:" + deadPort)
            .setUsername("default")
            .setPassword("")
            .build();
    List<SpanCostRow> rows = spans(50, 2, 5);
    int acceptedCalls = 0;
    try (ClickHouseSink sink =
        ClickHouseSink.builder()
            .client(nowhere, true)
            .database("costtrace")
            .bufferDir(dir.resolve("full"))
            .maxBufferBytes(8 * 1024)
            .segmentBytes(4 * 1024)
            .maxBackoff(Duration.ofMillis(100))
            .closeTimeout(Duration.ofMillis(200))
            .build()) {
      SinkFullException full = null;
      for (int i = 0; i < rows.size(); i += 2) {
        try {
          sink.accept(rows.subList(i, i + 2), List.of());
          acceptedCalls++;
        } catch (SinkFullException ex) {
          full = ex;
          break;
        }
      }
      assertThat(full).isNotNull();
      assertThat(full.getMessage()).startsWith("the sink buffer is full");
      assertThat(full.retryAfter()).isEqualTo(Duration.ofSeconds(5));
      assertThat(sink.metrics().rowsAccepted()).isEqualTo(acceptedCalls * 2L);
      assertThat(sink.metrics().rejectedFull()).isEqualTo(1);
    }
    assertThat(acceptedCalls).isBetween(1, 24);
  }

  @Test
  void rowsClickHouseRejectsAreSetAsideAndTheRestGoesIn() throws Exception {
    ClickHouseEndpoint e = TestClickHouse.shared();
    String db = migrate(e);
    List<SpanCostRow> rows = new ArrayList<>(spans(10, 1, 6));
    SpanCostRow negative = rows.get(3).toBuilder().set(TOTAL_COST, new BigDecimal("-1")).build();
    SpanCostRow huge = rows.get(7).toBuilder().set(TOTAL_COST, new BigDecimal("1e40")).build();
    rows.set(3, negative);
    rows.set(7, huge);
    Path buffer = dir.resolve("poison");
    try (ClickHouseSink sink = sink(e, db, buffer)) {
      sink.accept(rows, List.of());
      assertThat(sink.flush(Duration.ofMinutes(2))).isTrue();
      assertThat(sink.metrics().rowsDeadLettered()).isEqualTo(2);
      assertThat(sink.metrics().rowsWritten()).isEqualTo(8);
    }
    assertThat(count(e, "SELECT count() FROM " + db + ".spans")).isEqualTo(8);
    List<String> dead = Files.readAllLines(buffer.resolve("dead-letter.jsonl"));
    assertThat(dead).hasSize(2);
    assertThat(String.join("\n", dead))
        .contains(negative.spanId())
        .contains("469")
        .contains(huge.spanId())
        .contains("exceeds Decimal(38, 12)");
  }

  static RollupVerifier.Report verify(ClickHouseEndpoint e, String db) {
    try (Client c = e.newClient("default")) {
      return new RollupVerifier(c, new SchemaOptions(db, "", Duration.ZERO))
          .verify(Duration.ofDays(3650));
    }
  }

  /**
   * A batch short of the size goes when its oldest row has waited the delay, by the sink's clock.
   */
  @Test
  void aBatchIsDueByAgeOnTheSinksClock() throws Exception {
    ClickHouseEndpoint e = TestClickHouse.shared();
    String db = migrate(e);
    java.util.concurrent.atomic.AtomicLong now =
        new java.util.concurrent.atomic.AtomicLong(1_000_000_000L);
    List<SpanCostRow> rows = spans(2, 2, 31);
    try (ClickHouseSink sink =
        ClickHouseSink.builder()
            .client(e.newClient("default"), true)
            .database(db)
            .bufferDir(dir.resolve("clock"))
            .batchSize(1_000)
            .maxBatchDelay(Duration.ofMinutes(10))
            .clock(now::get)
            .build()) {
      sink.accept(rows, List.of());
      assertThat(sink.awaitMetrics(m -> m.rowsWritten() > 0, Duration.ofMillis(300)))
          .as("not due: 4 of 1,000 rows, none waited 10 minutes")
          .isFalse();
      now.addAndGet(Duration.ofMinutes(10).toNanos());
      assertThat(sink.awaitMetrics(m -> m.rowsWritten() == 4, Duration.ofMinutes(2))).isTrue();
    }
    assertThat(count(e, "SELECT count() FROM " + db + ".spans")).isEqualTo(4);
  }

  @Test
  void builderRejectsBadArguments() {
    assertThatThrownBy(() -> ClickHouseSink.builder().batchSize(0))
        .hasMessage("batchSize must be positive");
    assertThatThrownBy(() -> ClickHouseSink.builder().maxBufferBytes(10))
        .hasMessage("maxBufferBytes must be at least 1024");
  }
}
