package dev.costtrace.bench.reliability;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The receiver killed -9 under load, as often as the settings say, each time restarted at once on
 * the same ports and buffer (as an orchestrator restarts a crashed pod). The generator retries what
 * was not answered, including requests whose data the receiver had already stored when it died:
 * nothing acknowledged may be lost (the buffer is synced before the acknowledgement) and nothing
 * counted twice (rows are written idempotently, rollups derived from the stored rows).
 */
final class ReceiverKillScenario implements Scenario {
  @Override
  public String name() {
    return "receiver-killed";
  }

  @Override
  public String fault() {
    return "the receiver killed -9 under load and restarted";
  }

  @Override
  public ScenarioResult run(Workbench bench) throws Exception {
    int kills = bench.settings.receiverKills();
    try (Workbench.Run run = bench.run(name(), fault())) {
      Map<String, String> env = run.env(bench.clickhouse.httpUrl());
      run.start(env, 0, 256);
      double rate = bench.settings.steadySpansPerSecond() / TraceRequests.SPANS;
      Duration between = bench.settings.load().dividedBy(kills + 1);
      List<String> restarts = new ArrayList<>();
      double worst = 0;
      run.loadStarts();
      for (int k = 1; k <= kills; k++) {
        run.load.offer(rate, between);
        long acknowledged = run.load.acknowledged().size();
        run.serve.kill();
        long killed = System.nanoTime();
        run.restart();
        double listening = run.secondsSince(killed);
        // Acknowledging again: the generator's retries and new requests get answers from the new
        // process.
        while (run.load.acknowledged().size() <= acknowledged && run.secondsSince(killed) < 120) {
          run.load.offer(rate, Duration.ofMillis(250));
        }
        double answering = run.secondsSince(killed);
        if (run.load.acknowledged().size() <= acknowledged) {
          run.violations.add("kill " + k + ": nothing acknowledged within 120 s of the restart");
        }
        restarts.add(String.format("%.1f/%.1f", listening, answering));
        worst = Math.max(worst, answering);
      }
      run.load.offer(rate, between);
      run.loadStops();
      run.notes.add(
          kills
              + " kills; seconds from each kill until the new receiver listened / acknowledged again: "
              + String.join(", ", restarts));
      return run.finish(worst, -1);
    }
  }
}
