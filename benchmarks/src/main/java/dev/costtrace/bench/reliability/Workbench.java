package dev.costtrace.bench.reliability;

import dev.costtrace.cli.CostTrace;
import dev.costtrace.sink.engine.ClickHouseEndpoint;
import dev.costtrace.testing.TestClickHouse;
import dev.costtrace.testing.faults.ServeProcess;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/** What every scenario uses: the settings, a ClickHouse, a scratch directory. */
public final class Workbench {
  final Settings settings;
  final ClickHouseEndpoint clickhouse;
  private final Path dir;

  public Workbench(Settings settings, ClickHouseEndpoint clickhouse, Path dir) {
    this.settings = settings;
    this.clickhouse = clickhouse;
    this.dir = dir;
  }

  Path dir(String name) {
    try {
      return Files.createDirectories(dir.resolve(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** One scenario's receiver, load and bookkeeping. */
  Run run(String scenario, String fault) {
    return new Run(scenario, fault);
  }

  /**
   * A receiver under load: started, loaded, drained and counted. The scenario drives the fault in
   * between and adds what it observed.
   */
  final class Run implements AutoCloseable {
    final String scenario;
    final String fault;
    final String database;
    final TraceRequests requests = new TraceRequests(ThreadLocalRandom.current().nextLong());
    final List<String> violations = new ArrayList<>();
    final List<String> notes = new ArrayList<>();
    ServeProcess serve;
    LoadGenerator load;

    /**
     * Where the counts are read from (the scenario's own engine, or the workbench's ClickHouse).
     */
    ClickHouseEndpoint readFrom = clickhouse;

    /** The peak resident memory of receiver processes this run already replaced, MiB. */
    private double replacedPeakRssMiB = -1;

    private long loadStart;
    private long loadEnd;
    private long offeredAtStop;
    private long acknowledgedAtStart;
    private long acknowledgedAtStop;

    private Run(String scenario, String fault) {
      this.scenario = scenario;
      this.fault = fault;
      this.database = TestClickHouse.newDatabase("reliability_" + scenario.replace('-', '_'));
    }

    /** The environment of a receiver writing to the workbench's ClickHouse through {@code url}. */
    Map<String, String> env(String url) {
      Map<String, String> env = new HashMap<>();
      env.put("CLICKHOUSE_URL", url);
      env.put("CLICKHOUSE_USER", clickhouse.user());
      env.put("CLICKHOUSE_PASSWORD", clickhouse.password());
      env.put("COSTTRACE_CLICKHOUSE_DATABASE", database);
      env.put("COSTTRACE_SINK_BUFFER_DIR", dir(scenario).resolve("buffer").toString());
      return env;
    }

    /** Starts the receiver and a generator aimed at it. */
    void start(Map<String, String> env, int tmpfsMiB, int maxInFlight) throws IOException {
      if (settings.recentSpans() > 0) {
        env.putIfAbsent(
            "COSTTRACE_SINK_DEDUP_RECENT_SPANS", Integer.toString(settings.recentSpans()));
      }
      serve =
          ServeProcess.onClassPath(
                  CostTrace.class.getName(),
                  env,
                  dir(scenario).resolve("serve.log"),
                  List.of("-Xmx" + settings.heap(), "-XX:+ExitOnOutOfMemoryError"))
              .restartOnSamePorts()
              .bufferOnTmpfs(tmpfsMiB)
              .start();
      load = new LoadGenerator(requests, serve.httpUrl(), serve.grpcPort(), maxInFlight);
    }

    /**
     * Starts a new receiver in place of the current one (which the scenario killed), on the same
     * ports and buffer, so that the generator's retries reach it. Returns once it listens.
     */
    void restart() {
      replacedPeakRssMiB = Math.max(replacedPeakRssMiB, serve.peakRssMiB());
      serve.start();
    }

    void loadStarts() {
      loadStart = System.nanoTime();
      // What was acknowledged before (the overload's saturation measurement) is not held load.
      acknowledgedAtStart = load.acknowledged().size();
    }

    void loadStops() {
      loadEnd = System.nanoTime();
      offeredAtStop = load.offeredRequests();
      acknowledgedAtStop = load.acknowledged().size();
    }

    /** Seconds from {@code since} (nanoTime) to now. */
    double secondsSince(long since) {
      return (System.nanoTime() - since) / 1e9;
    }

    /**
     * As {@link #finish(double, double)}, the time to recover being from {@code faultEnded}
     * (nanoTime) until ClickHouse held everything acknowledged.
     */
    ScenarioResult finishFrom(long faultEnded, double enginePeakRssMiB) throws Exception {
      return complete(Double.NaN, faultEnded, enginePeakRssMiB);
    }

    /**
     * Retries what is still refused until it is acknowledged, waits until ClickHouse has every
     * acknowledged row, counts, and stops the receiver. {@code recoverySeconds}: the time to
     * recover as the scenario measured it.
     */
    ScenarioResult finish(double recoverySeconds, double enginePeakRssMiB) throws Exception {
      return complete(recoverySeconds, 0, enginePeakRssMiB);
    }

    private ScenarioResult complete(
        double recoverySeconds, long faultEnded, double enginePeakRssMiB) throws Exception {
      Duration patience =
          settings.load().compareTo(Duration.ofMinutes(2)) > 0
              ? settings.load().multipliedBy(2)
              : Duration.ofMinutes(3);
      if (!load.drain(patience)) {
        violations.add(
            "requests still refused "
                + patience.toSeconds()
                + " s after the load: "
                + load.outcomes());
      }
      long acknowledgedRows = (long) load.acknowledged().size() * TraceRequests.LLM_CALLS;
      double drained = awaitSinkCaughtUp(patience);
      if (drained < 0) {
        violations.add(
            "the sink did not write everything it accepted within " + patience.toSeconds() + " s");
      }
      double recovery =
          !Double.isNaN(recoverySeconds)
              ? recoverySeconds
              : drained < 0 ? -1 : secondsSince(faultEnded);
      Verifier.Counts counts = Verifier.count(readFrom, database, requests, load.acknowledged());
      if (!serve.alive()) {
        violations.add("the receiver died:\n" + serve.tail());
      }
      double peak = Math.max(serve.peakRssMiB(), replacedPeakRssMiB);
      int exit = serve.stop(Duration.ofMinutes(2));
      // 143: the JVM's status after SIGTERM, its shutdown hook (drain, flush) having run.
      if (exit != 0
          && exit != 143
          && violations.stream().noneMatch(v -> v.startsWith("the receiver died"))) {
        violations.add("the receiver exited with " + exit + " on SIGTERM:\n" + serve.tail());
      }
      load.close();
      if (counts.lostRows() != 0) {
        violations.add(counts.lostRows() + " acknowledged rows lost");
      }
      if (counts.countedTwiceRows() != 0) {
        violations.add(counts.countedTwiceRows() + " rows counted twice");
      }
      if (counts.storedCost().compareTo(counts.expectedCost()) != 0) {
        violations.add(
            "stored cost " + counts.storedCost() + " != acknowledged " + counts.expectedCost());
      }
      if (load.droppedRequests() > 0) {
        violations.add(
            load.droppedRequests()
                + " valid requests got a non-retryable answer: "
                + load.outcomes());
      }
      if (acknowledgedRows == 0) {
        violations.add("nothing was acknowledged");
      }
      double seconds = (loadEnd - loadStart) / 1e9;
      notes.add("answers " + load.outcomes());
      if (counts.storedUnacknowledgedTraces() > 0) {
        notes.add(
            counts.storedUnacknowledgedTraces()
                + " traces stored that no acknowledgement covers (requests"
                + " whose answer never arrived, or fuzzed requests the receiver took): not counted as acknowledged");
      }
      if (load.droppedAtSource() > 0) {
        notes.add(
            load.droppedAtSource()
                + " requests dropped by the generator's own full queue (never sent)");
      }
      return new ScenarioResult(
          scenario,
          fault,
          seconds,
          offeredAtStop * (double) TraceRequests.SPANS / seconds,
          (acknowledgedAtStop - acknowledgedAtStart)
              * (double) TraceRequests.SPANS
              / Math.max(seconds, 1e-9),
          (long) load.acknowledged().size() * TraceRequests.SPANS,
          acknowledgedRows,
          counts.lostRows(),
          counts.countedTwiceRows(),
          counts.storedCost(),
          counts.expectedCost(),
          load.retriedRefusals(),
          load.droppedRequests(),
          recovery,
          peak,
          enginePeakRssMiB,
          String.join("; ", notes),
          List.copyOf(violations));
    }

    /**
     * Waits until the receiver's sink has written everything acknowledged, its rollups included
     * (nothing pending in its buffer); returns the seconds it took, -1 after {@code timeout}. Not
     * written rows against accepted ones: after a restart, written rows include the buffer's
     * replay, which this process never accepted, and would cover a batch still on its way.
     */
    double awaitSinkCaughtUp(Duration timeout) throws InterruptedException {
      long start = System.nanoTime();
      while (System.nanoTime() - start < timeout.toNanos()) {
        try {
          if (serve.metrics().getOrDefault("costtrace_sink_pending_bytes", -1.0) == 0) {
            return secondsSince(start);
          }
        } catch (UncheckedIOException e) {
          // not answering for a moment: ask again
        }
        Thread.sleep(250);
      }
      return -1;
    }

    @Override
    public void close() {
      if (load != null) {
        load.close();
      }
      if (serve != null) {
        serve.close();
      }
    }
  }
}
