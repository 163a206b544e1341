package dev.costtrace.bench.reliability;

import java.time.Duration;

/**
 * Several times what the receiver can take, for as long as the settings say, under {@code
 * -Xmx512m}. First the saturation is measured (a closed loop: every slot in flight busy), then a
 * new generator offers {@link Settings#overload()} times that rate in an open loop, as an app's
 * exporters keep producing whatever the receiver answers. The receiver must stay in its memory,
 * push the overflow back with retryable answers, and lose and double nothing.
 */
final class OverloadScenario implements Scenario {
  @Override
  public String name() {
    return "overload";
  }

  @Override
  public String fault() {
    return "offered load at several times the measured saturation";
  }

  @Override
  public ScenarioResult run(Workbench bench) throws Exception {
    try (Workbench.Run run = bench.run(name(), fault())) {
      run.start(run.env(bench.clickhouse.httpUrl()), 0, 64);
      Duration measure = Duration.ofSeconds(Math.max(10, bench.settings.load().toSeconds() / 6));
      run.load.saturate(measure); // warm-up: JIT, connections, the first batches
      long before = run.load.acknowledged().size();
      long t0 = System.nanoTime();
      run.load.saturate(measure);
      double saturation =
          (run.load.acknowledged().size() - before)
              * (double) TraceRequests.SPANS
              / run.secondsSince(t0);
      run.load.drain(Duration.ofMinutes(2));
      if (saturation <= 0) {
        run.violations.add("nothing was acknowledged while measuring the saturation");
        saturation =
            TraceRequests.SPANS; // one request a second: the scenario still runs and counts
      }
      // Exporters from many apps: hundreds of requests may be in flight at once.
      LoadGenerator measuring = run.load;
      run.load =
          new LoadGenerator(
              run.requests,
              run.serve.httpUrl(),
              run.serve.grpcPort(),
              512,
              measuring.nextRequest());
      run.load.acknowledged().addAll(measuring.acknowledged());
      measuring.close();
      double rate = bench.settings.overload() * saturation / TraceRequests.SPANS;
      run.loadStarts();
      run.load.offer(rate, bench.settings.load());
      run.loadStops();
      long stopped = System.nanoTime();
      run.notes.add(
          String.format(
              "saturation measured first: %,.0f spans/s acknowledged with 64 requests in"
                  + " flight; then offered %.1f× that",
              saturation, bench.settings.overload()));
      // recovery: from the end of the overload until all is stored
      ScenarioResult r = run.finishFrom(stopped, -1);
      return r.refusedRetryable() > 0
          ? r
          : r.withViolation(
              "the receiver never pushed back at "
                  + bench.settings.overload()
                  + "× its saturation");
    }
  }
}
