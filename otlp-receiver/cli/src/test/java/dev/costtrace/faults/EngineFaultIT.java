package dev.costtrace.faults;

import static org.assertj.core.api.Assertions.assertThat;

import dev.costtrace.testing.TestClickHouse;
import dev.costtrace.testing.faults.ClickHouseFaultProxy;
import dev.costtrace.testing.faults.ClickHouseFaultProxy.Moment;
import dev.costtrace.testing.faults.EngineProcess;
import dev.costtrace.testing.faults.ServeProcess;
import dev.costtrace.testing.faults.TurnLoad;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The embedded engine killed with SIGKILL at each point of a batch, under {@code costtrace serve}
 * (the built jar, its own JVM) writing through a proxy that sees every query: before the batch's
 * span rows reach it, while it takes them, after it took them but before the answer got back,
 * between the span rows and the attribution observations, between the observations and the trace
 * rollups, and between the trace and the conversation rollups. The receiver keeps acknowledging
 * (its buffer), the engine is started again on its data, and each time every acknowledged span is
 * stored once and every rollup equals its recomputation.
 */
class EngineFaultIT {
  @TempDir Path dir;

  /** A point of a batch: the query whose arrival kills the engine, and when. */
  record KillPoint(String name, Pattern sql, Moment moment) {
    @Override
    public String toString() {
      return name;
    }
  }

  static final List<KillPoint> POINTS =
      List.of(
          new KillPoint("before the span rows", insertInto("span_rows"), Moment.BEFORE),
          new KillPoint(
              "while ClickHouse takes the span rows", insertInto("span_rows"), Moment.DURING),
          new KillPoint(
              "after the span rows, the answer lost", insertInto("span_rows"), Moment.AFTER),
          new KillPoint(
              "between the span rows and the observations",
              insertInto("span_attributions"),
              Moment.BEFORE),
          new KillPoint(
              "between the observations and the trace rollups",
              insertInto("trace_rollups"),
              Moment.BEFORE),
          new KillPoint(
              "between the trace and the conversation rollups",
              insertInto("conversation_rollups"),
              Moment.BEFORE));

  private static Pattern insertInto(String table) {
    return Pattern.compile("INSERT INTO \\w+\\." + table + "\\b");
  }

  @Test
  void theEngineKilledAtEachPointOfABatch() throws Exception {
    String db = TestClickHouse.newDatabase("fault_engine");
    try (EngineProcess engine = new EngineProcess(dir.resolve("engine"));
        ClickHouseFaultProxy proxy = new ClickHouseFaultProxy(engine.port())) {
      engine.start();
      try (ServeProcess receiver =
          ReceiverFaultIT.serve(
              ReceiverFaultIT.settings(engine, proxy.url(), db, dir.resolve("buffer")),
              dir.resolve("serve.log"))) {
        receiver.start();
        Stored stored = new Stored(engine.endpoint(), db);
        TurnLoad[] loads = new TurnLoad[POINTS.size()];
        for (int i = 0; i < POINTS.size(); i++) {
          KillPoint point = POINTS.get(i);
          loads[i] = new TurnLoad(40, 8, "conv-" + i + "-", 4, 0);
          CountDownLatch killed = proxy.arm(point.sql(), 1, point.moment(), engine::kill);
          assertThat(loads[i].send(receiver.tracesUrl(), null, loads[i].exports(), 2))
              .as("acknowledged while the engine dies: %s", point)
              .isEqualTo(loads[i].exports().size());
          assertThat(killed.await(60, TimeUnit.SECONDS)).as("killed %s", point).isTrue();
          engine.start(); // its supervisor starts it again on its data and port: the retries get
          // through
          stored.requireExactly("", 0, Arrays.copyOf(loads, i + 1));
        }
        assertThat(receiver.alive()).isTrue();
      }
    }
  }
}
