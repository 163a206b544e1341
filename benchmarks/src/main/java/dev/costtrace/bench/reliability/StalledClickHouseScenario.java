package dev.costtrace.bench.reliability;

import dev.costtrace.testing.LoopbackGate;
import java.net.URI;
import java.time.Duration;
import java.util.Map;

/**
 * ClickHouse accepts connections and never answers (a frozen node, a half-open connection) for as
 * long as the settings say, under a steady load. The receiver keeps acknowledging into its buffer;
 * the sink's socket timeout must fire, so the writer tries again on new connections rather than
 * hanging on the first for ever, and once ClickHouse answers again everything is written, once.
 */
final class StalledClickHouseScenario implements Scenario {
  @Override
  public String name() {
    return "clickhouse-stalled";
  }

  @Override
  public String fault() {
    return "ClickHouse connections accepted and never answered under load";
  }

  @Override
  public ScenarioResult run(Workbench bench) throws Exception {
    URI url = URI.create(bench.clickhouse.httpUrl());
    Duration stall = bench.settings.stall();
    // The writer's longest wait on one connection is the larger of the socket timeout (inserts) and
    // the query timeout plus a 5 s grace (the rollup recomputation): a quarter of the stall, so
    // that
    // several attempts fit in it. One hung writer would hold a single connection.
    Duration wait = stall.dividedBy(4);
    Duration socketTimeout = wait;
    Duration queryTimeout =
        wait.minusSeconds(5).compareTo(Duration.ofSeconds(1)) > 0
            ? wait.minusSeconds(5)
            : Duration.ofSeconds(1);
    try (LoopbackGate gate = new LoopbackGate(url.getHost(), url.getPort());
        Workbench.Run run = bench.run(name(), fault())) {
      gate.open();
      Map<String, String> env = run.env("http://127.0.0.1:" + gate.port());
      env.put("COSTTRACE_CLICKHOUSE_SOCKET_TIMEOUT", socketTimeout.toMillis() + "ms");
      env.put("COSTTRACE_CLICKHOUSE_QUERY_TIMEOUT", queryTimeout.toMillis() + "ms");
      run.start(env, 0, 256);
      double rate = bench.settings.steadySpansPerSecond() / TraceRequests.SPANS;
      Duration around = Duration.ofSeconds(Math.max(3, stall.toSeconds() / 10));
      run.loadStarts();
      run.load.offer(rate, around);
      gate.stall();
      long ackedBefore = run.load.acknowledged().size();
      run.load.offer(rate, stall);
      long ackedDuring = run.load.acknowledged().size() - ackedBefore;
      int held = gate.heldConnections();
      gate.open();
      long back = System.nanoTime();
      run.load.offer(rate, around);
      run.loadStops();
      run.notes.add(
          String.format(
              "socket timeout %d ms, query timeout %d ms; %,d spans acknowledged while"
                  + " ClickHouse did not answer; %d connections opened to the stalled server",
              socketTimeout.toMillis(),
              queryTimeout.toMillis(),
              ackedDuring * TraceRequests.SPANS,
              held));
      if (ackedDuring == 0) {
        run.violations.add("nothing was acknowledged while ClickHouse did not answer");
      }
      if (held < 2) {
        run.violations.add(
            held
                + " connection(s) to the stalled server in "
                + stall.toSeconds()
                + " s with "
                + socketTimeout.toMillis()
                + " ms socket and "
                + queryTimeout.toMillis()
                + " ms query timeouts: the"
                + " writer hung instead of timing out and retrying");
      }
      return run.finishFrom(
          back, -1); // recovery: from ClickHouse answering again until it held everything
    }
  }
}
