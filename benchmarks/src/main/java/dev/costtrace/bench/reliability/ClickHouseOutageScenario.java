package dev.costtrace.bench.reliability;

import dev.costtrace.testing.LoopbackGate;
import java.time.Duration;

/**
 * ClickHouse unreachable (a gate in front of it refuses and cuts connections) for as long as the
 * settings say, under a steady load. The receiver keeps acknowledging into its buffer, pushes back
 * only if the buffer fills, and once ClickHouse is back writes everything, once.
 */
final class ClickHouseOutageScenario implements Scenario {
  @Override
  public String name() {
    return "clickhouse-outage";
  }

  @Override
  public String fault() {
    return "ClickHouse unreachable under load";
  }

  @Override
  public ScenarioResult run(Workbench bench) throws Exception {
    java.net.URI url = java.net.URI.create(bench.clickhouse.httpUrl());
    try (LoopbackGate gate = new LoopbackGate(url.getHost(), url.getPort());
        Workbench.Run run = bench.run(name(), fault())) {
      gate.open();
      run.start(run.env("http://127.0.0.1:" + gate.port()), 0, 256);
      double rate = bench.settings.steadySpansPerSecond() / TraceRequests.SPANS;
      Duration around = Duration.ofSeconds(Math.max(3, bench.settings.outage().toSeconds() / 10));
      run.loadStarts();
      run.load.offer(rate, around);
      gate.shut();
      long ackedBefore = run.load.acknowledged().size();
      run.load.offer(rate, bench.settings.outage());
      long ackedDuring = run.load.acknowledged().size() - ackedBefore;
      gate.open();
      long back = System.nanoTime();
      run.load.offer(rate, around);
      run.loadStops();
      run.notes.add(
          String.format(
              "%,d spans acknowledged while ClickHouse was unreachable",
              ackedDuring * TraceRequests.SPANS));
      if (ackedDuring == 0) {
        run.violations.add("nothing was acknowledged while ClickHouse was unreachable");
      }
      return run.finishFrom(
          back, -1); // recovery: from ClickHouse coming back until it held everything
    }
  }
}
