package dev.costtrace.faults;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.costtrace.testing.TestClickHouse;
import dev.costtrace.testing.faults.ClickHouseFaultProxy;
import dev.costtrace.testing.faults.EngineProcess;
import dev.costtrace.testing.faults.ServeProcess;
import dev.costtrace.testing.faults.TurnLoad;
import io.opentelemetry.sdk.common.export.RetryPolicy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Faults of the receiver, with the built {@code costtrace serve} in its own JVM, the embedded
 * engine as its own process, and real OTLP from the SDK's exporter. Each case ends with every
 * acknowledged span stored once and every rollup equal to its recomputation.
 */
class ReceiverFaultIT {
  static final Path JAR = Path.of(System.getProperty("costtrace.jar", "target/costtrace.jar"));

  @TempDir static Path dir;
  static EngineProcess engine;

  @BeforeAll
  static void startEngine() {
    engine = new EngineProcess(dir.resolve("engine"));
    engine.start();
  }

  @AfterAll
  static void stopEngine() {
    engine.close();
  }

  /** {@link ServeProcess#environment}, with the background rollup check every 2 s. */
  static Map<String, String> settings(EngineProcess engine, String url, String db, Path buffer) {
    Map<String, String> env = ServeProcess.environment(engine, url, db, buffer);
    env.put("COSTTRACE_ROLLUP_CHECK_INTERVAL", "2s");
    return env;
  }

  static ServeProcess serve(Map<String, String> env, Path log) {
    return new ServeProcess(JAR, env, log, List.of("-Xmx384m"));
  }

  static ServeProcess serve(Map<String, String> env, String name) {
    return serve(env, dir.resolve(name + ".log"));
  }

  /**
   * Killed -9 under load, restarted on the same buffer; the exporters then send again what was not
   * acknowledged, and also a third of what was (retries whose answers were lost).
   */
  @Test
  void killedMidLoadThenRestartedWithRetriesIncludingStoredRequests() throws Exception {
    String db = TestClickHouse.newDatabase("fault_kill");
    TurnLoad load = new TurnLoad(300, 30, "conv-", 5, 0);
    try (ServeProcess receiver =
        serve(settings(engine, engine.endpoint().httpUrl(), db, dir.resolve("kill-buffer")), "kill")
            .start()) {
      String url = receiver.tracesUrl();
      CompletableFuture<Integer> sending =
          CompletableFuture.supplyAsync(() -> load.send(url, null, load.exports(), 4));
      await("some exports acknowledged")
          .atMost(Duration.ofMinutes(1))
          .pollInterval(Duration.ofMillis(5))
          .until(() -> load.exports().size() - load.unacknowledged().size() >= 20);
      receiver.kill();
      sending.join();
      int acknowledged = load.exports().size() - load.unacknowledged().size();
      assertThat(acknowledged).as("killed mid-load").isBetween(20, load.exports().size() - 1);
      receiver.start();
      List<TurnLoad.Export> again = new ArrayList<>(load.unacknowledged());
      for (int i = 0; i < load.exports().size(); i += 3) {
        if (load.exports().get(i).acknowledged()) {
          again.add(load.exports().get(i)); // stored already: its answer was lost
        }
      }
      // The exporters' own retries (429/503 while the restarted receiver replays its buffer).
      int killedAnswers = load.failures().size();
      assertThat(load.send(receiver.tracesUrl(), null, again, 4, RetryPolicy.getDefault()))
          .as(
              "resent: %s; receiver log: %s",
              load.failures().subList(killedAnswers, load.failures().size()), receiver.tail())
          .isEqualTo(again.size());
      new Stored(engine.endpoint(), db).requireExactly("", 0, load);
      await("the background check ran")
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(200))
          .until(() -> receiver.metric("costtrace_rollup_checks_total") >= 1);
      assertThat(receiver.metric("costtrace_rollup_differences")).isZero();
    }
  }

  /** Every request twice, the second time after the receiver was stopped and started again. */
  @Test
  void everyRequestTwiceAcrossARestart() throws Exception {
    String db = TestClickHouse.newDatabase("fault_twice");
    TurnLoad load = new TurnLoad(120, 12, "conv-", 4, 0);
    try (ServeProcess receiver =
        serve(
                settings(engine, engine.endpoint().httpUrl(), db, dir.resolve("twice-buffer")),
                "twice")
            .start()) {
      assertThat(load.send(receiver.tracesUrl(), null, load.exports(), 3))
          .isEqualTo(load.exports().size());
      receiver.stop();
      receiver.start();
      assertThat(load.send(receiver.tracesUrl(), null, load.exports(), 3, RetryPolicy.getDefault()))
          .isEqualTo(load.exports().size());
      new Stored(engine.endpoint(), db).requireExactly("", 0, load);
    }
  }

  /**
   * ClickHouse unreachable and the sink's buffer full: the export carrying a trace's root span (its
   * conversation) is refused with 429, and the exporter's retry, once ClickHouse is back, is taken.
   * The conversation gets its cost: nothing of the refused request was remembered.
   */
  @Test
  void aRootSpanRefusedWith429ThenRetried() throws Exception {
    String db = TestClickHouse.newDatabase("fault_429");
    TurnLoad turn = new TurnLoad(1, 1, "conv-refused-", 1, 0);
    TurnLoad filler = new TurnLoad(600, 60, "conv-filler-", 2, 0);
    TurnLoad tiny =
        new TurnLoad(400, 400, "conv-tf-", 1, 0); // roots no larger than "conv-refused-0"
    try (ClickHouseFaultProxy proxy = new ClickHouseFaultProxy(engine.port())) {
      Map<String, String> env = settings(engine, proxy.url(), db, dir.resolve("429-buffer"));
      env.put("COSTTRACE_SINK_BUFFER_MAX_BYTES", "256KiB");
      env.put("COSTTRACE_SINK_BUFFER_SEGMENT_BYTES", "32KiB");
      try (ServeProcess receiver = serve(env, "429").start()) {
        TurnLoad.Export children = turn.exports().get(0);
        TurnLoad.Export root = turn.exports().get(1);
        assertThat(turn.send(receiver.tracesUrl(), null, List.of(children), 1)).isEqualTo(1);
        proxy.closeGate(); // ClickHouse unreachable: the buffer fills
        for (TurnLoad.Export e : filler.exports()) {
          if (filler.send(receiver.tracesUrl(), null, List.of(e), 1) == 0) {
            break;
          }
        }
        // ... to the last byte: root-only exports as large as ours, until one is refused too
        for (TurnLoad.Export e : tiny.exports().subList(1, tiny.exports().size())) {
          if (e.spans().size() == 1 && tiny.send(receiver.tracesUrl(), null, List.of(e), 1) == 0) {
            break;
          }
        }
        assertThat(receiver.metric("costtrace_sink_full_total"))
            .as("the buffer filled")
            .isPositive();
        double refusals = receiver.metric("costtrace_sink_full_total");
        assertThat(turn.send(receiver.tracesUrl(), null, List.of(root), 1))
            .as("the root refused")
            .isZero();
        assertThat(receiver.metric("costtrace_sink_full_total")).isGreaterThan(refusals);
        proxy.openGate();
        await("the root's retry taken")
            .atMost(Duration.ofMinutes(1))
            .pollInterval(Duration.ofMillis(200))
            .until(() -> turn.send(receiver.tracesUrl(), null, List.of(root), 1) == 1);
        await("the filler's retries taken")
            .atMost(Duration.ofMinutes(1))
            .pollInterval(Duration.ofMillis(200))
            .until(
                () -> {
                  filler.send(receiver.tracesUrl(), null, filler.unacknowledged(), 2);
                  return filler.unacknowledged().isEmpty();
                });
        await("the tiny fillers' retries taken")
            .atMost(Duration.ofMinutes(1))
            .pollInterval(Duration.ofMillis(200))
            .until(
                () -> {
                  tiny.send(receiver.tracesUrl(), null, tiny.unacknowledged(), 2);
                  return tiny.unacknowledged().isEmpty();
                });
        // conv-refused-0 among them, with its two calls: its root's conversation was recorded
        new Stored(engine.endpoint(), db).requireExactly("", 0, filler, turn, tiny);
      }
    }
  }

  /**
   * With auth on, tenant B exports spans with tenant A's very trace and span IDs (and its own
   * conversations): both tenants' spans are stored, each in its own rollups.
   */
  @Test
  void oneTraceIdFromTwoTenants() throws Exception {
    String db = TestClickHouse.newDatabase("fault_tenants");
    Path tokens = Files.writeString(dir.resolve("tokens"), "tenant-a=tok-a\ntenant-b=tok-b\n");
    TurnLoad a = new TurnLoad(40, 4, "conv-a-", 4, 42);
    TurnLoad b = new TurnLoad(40, 4, "conv-b-", 4, 42);
    assertThat(a.exports().get(0).spans().get(0).getSpanId())
        .isEqualTo(b.exports().get(0).spans().get(0).getSpanId());
    Map<String, String> env =
        settings(engine, engine.endpoint().httpUrl(), db, dir.resolve("tenants-buffer"));
    env.put("COSTTRACE_AUTH_TOKENS_FILE", tokens.toString());
    try (ServeProcess receiver = serve(env, "tenants").start()) {
      assertThat(a.send(receiver.tracesUrl(), "tok-a", a.exports(), 2))
          .isEqualTo(a.exports().size());
      assertThat(b.send(receiver.tracesUrl(), "tok-b", b.exports(), 2))
          .isEqualTo(b.exports().size());
      assertThat(a.send(receiver.tracesUrl(), "tok-a", a.exports(), 2))
          .isEqualTo(a.exports().size()); // retries
      Stored stored = new Stored(engine.endpoint(), db);
      stored.requireExactly("tenant-a", b.calls(), a);
      stored.requireExactly("tenant-b", a.calls(), b);
    }
  }
}
