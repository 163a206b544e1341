package dev.costtrace.bench.reliability;

import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.sink.engine.EmbeddedClickHouse;
import dev.costtrace.testing.faults.ServeProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The embedded engine's Node.js process killed -9 several times under load, {@code serve} running
 * with no ClickHouse configured (as {@code bin/costtrace serve} does). Its supervisor must start it
 * again on the same port, say so on {@code /metrics}, and the sink must resume writing without the
 * receiver being restarted; nothing acknowledged lost, nothing doubled.
 */
final class EngineKillScenario implements Scenario {
  private static final Pattern PID = Pattern.compile("\"pid\":(\\d+)");

  @Override
  public String name() {
    return "engine-killed";
  }

  @Override
  public String fault() {
    return "embedded ClickHouse engine killed -9 under load";
  }

  static long enginePid(Path dataDir) {
    try {
      Matcher m = PID.matcher(Files.readString(dataDir.resolve(".costtrace-front.json")));
      return m.find() ? Long.parseLong(m.group(1)) : -1;
    } catch (java.io.IOException e) {
      return -1;
    }
  }

  @Override
  public ScenarioResult run(Workbench bench) throws Exception {
    int kills = bench.settings.engineKills();
    try (Workbench.Run run = bench.run(name(), fault())) {
      Path engineDir = bench.dir(name()).resolve("clickhouse");
      Map<String, String> env = new HashMap<>();
      env.put("COSTTRACE_CLICKHOUSE_EMBEDDED_DIR", engineDir.toString());
      env.put("COSTTRACE_CLICKHOUSE_DATABASE", run.database);
      env.put("COSTTRACE_SINK_BUFFER_DIR", bench.dir(name()).resolve("buffer").toString());
      run.start(env, 0, 256);
      ClickHouseEndpoint engine =
          EmbeddedClickHouse.builder().dataDir(engineDir).build().start(); // reuses serve's
      run.readFrom = engine;
      AtomicLong peakKiB = new AtomicLong();
      Thread sampler =
          new Thread(
              () -> {
                while (!Thread.currentThread().isInterrupted()) {
                  peakKiB.accumulateAndGet(
                      (long) (ServeProcess.rssMiB(enginePid(engineDir)) * 1024), Math::max);
                  try {
                    Thread.sleep(250);
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              },
              "engine-rss");
      sampler.setDaemon(true);
      sampler.start();
      double rate = bench.settings.steadySpansPerSecond() / TraceRequests.SPANS;
      Duration between = bench.settings.load().dividedBy(kills + 1);
      List<String> restarts = new ArrayList<>();
      double worst = 0;
      run.loadStarts();
      for (int k = 1; k <= kills; k++) {
        run.load.offer(rate, between);
        long pid = enginePid(engineDir);
        long rowsBefore = Verifier.storedRows(engine, run.database);
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly); // kill -9
        long killed = System.nanoTime();
        double up = -1;
        double writing = -1;
        while (run.secondsSince(killed) < 120 && writing < 0) {
          run.load.offer(rate, Duration.ofMillis(500));
          Map<String, Double> m = run.serve.metrics();
          if (up < 0
              && m.getOrDefault("costtrace_clickhouse_embedded_restarts_total", 0.0) >= k
              && m.getOrDefault("costtrace_clickhouse_embedded_up", 0.0) == 1.0) {
            up = run.secondsSince(killed);
          }
          if (up >= 0 && Verifier.storedRows(engine, run.database) > rowsBefore) {
            writing = run.secondsSince(killed);
          }
        }
        if (up < 0 || writing < 0) {
          run.violations.add(
              "kill "
                  + k
                  + ": engine "
                  + (up < 0 ? "not back" : "back")
                  + ", writing "
                  + (writing < 0 ? "not resumed" : "resumed")
                  + " within 120 s");
        }
        restarts.add(String.format("%.1f/%.1f", up, writing));
        worst = Math.max(worst, writing);
      }
      run.load.offer(rate, between);
      run.loadStops();
      Map<String, Double> m = run.serve.metrics();
      double counted = m.getOrDefault("costtrace_clickhouse_embedded_restarts_total", -1.0);
      if (counted != kills) {
        run.violations.add("/metrics counted " + counted + " restarts for " + kills + " kills");
      }
      run.notes.add(
          kills
              + " kills; seconds from each kill until the engine was up again / rows were written"
              + " again: "
              + String.join(", ", restarts)
              + "; /metrics restarts_total "
              + (long) counted);
      try {
        return run.finish(worst, peakKiB.get() / 1024.0);
      } finally {
        sampler.interrupt();
      }
    }
  }
}
