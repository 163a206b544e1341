package dev.costtrace.bench.pricing;

import dev.costtrace.pricing.oracle.OracleCases;
import dev.costtrace.pricing.oracle.ReferencePrices;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatFactory;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * One run, side by side: our normalise + price per span (JMH: {@link ReferenceCasesBenchmark} on
 * the oracle's cases) and the reference implementation's {@code calcPrice} per call on the same
 * cases (a Node.js timing loop, {@link ReferencePrices#time}), in alternating rounds since the
 * machine is shared; then {@link SpanPricingBenchmark} on a realistic mix with the full and the
 * 77-model catalog. Writes {@code benchmarks/results/pricing.md} and JMH's raw results in {@code
 * pricing.json}.
 *
 * <p>Arguments: seconds the Node.js loop warms up and then measures (default 20). System
 * properties: {@code bench.rounds} (3), {@code bench.out} (the results directory).
 */
public final class PricingComparison {
  private PricingComparison() {}

  public static void main(String[] args) throws RunnerException, IOException {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 20;
    int rounds = Integer.getInteger("bench.rounds", 3);
    Path dir = Path.of(System.getProperty("bench.out", "benchmarks/results"));
    var cases = OracleCases.all();
    var referenceCases = cases.stream().map(OracleCases.OracleCase::reference).toList();
    // The machine is shared: rounds alternate the two sides, so that both see the same load, and
    // warm-ups are long, since the JIT compiler gets little of a busy machine's CPU.
    List<Round> measured = new ArrayList<>();
    List<RunResult> all = new ArrayList<>();
    for (int i = 0; i < rounds; i++) {
      ReferencePrices.Timing reference = ReferencePrices.time(referenceCases, seconds);
      RunResult ours = run(ReferenceCasesBenchmark.class).iterator().next();
      all.add(ours);
      measured.add(new Round(reference, new Measured(ours)));
    }
    Collection<RunResult> mix = run(SpanPricingBenchmark.class);
    all.addAll(mix);
    Map<String, Measured> catalogs = new LinkedHashMap<>();
    for (RunResult r : mix) {
      String name = r.getParams().getBenchmark().replaceAll(".*\\.(\\w+)$", "$1");
      catalogs.put(name + " [" + r.getParams().getParam("catalog") + "]", new Measured(r));
    }
    // JMH's own JSON of every run, as its -rff would write it.
    ResultFormatFactory.getInstance(
            ResultFormatType.JSON,
            new PrintStream(dir.resolve("pricing.json").toFile(), StandardCharsets.UTF_8))
        .writeOut(all);
    String md = report(cases.size(), measured, catalogs, seconds);
    Files.writeString(dir.resolve("pricing.md"), md);
    System.out.println(md);
  }

  /** Runs one benchmark class; waits while another JMH run on the machine holds JMH's lock. */
  private static Collection<RunResult> run(Class<?> benchmark) throws RunnerException {
    while (true) {
      try {
        return new Runner(
                new OptionsBuilder()
                    .include(benchmark.getName())
                    .addProfiler(GCProfiler.class)
                    .addProfiler(ProcessCpuProfiler.class)
                    .build())
            .run();
      } catch (RunnerException e) {
        if (String.valueOf(e.getMessage()).contains("JMH lock")) {
          System.err.println("another JMH run holds " + LOCK + "; waiting for it");
          waitForLock();
        } else {
          throw e;
        }
      }
    }
  }

  private static final Path LOCK = Path.of(System.getProperty("java.io.tmpdir"), "jmh.lock");

  /** Returns once JMH's lock file is free (taken and released at once). */
  private static void waitForLock() {
    while (true) {
      try (FileChannel channel =
              FileChannel.open(LOCK, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
          FileLock lock = channel.tryLock()) {
        if (lock != null) {
          return;
        }
      } catch (IOException | OverlappingFileLockException e) {
        // not ours to take yet
      }
      LockSupport.parkNanos(Duration.ofSeconds(10).toNanos());
    }
  }

  /** One round: the reference's loop, then our JMH run on the same cases. */
  private record Round(ReferencePrices.Timing reference, Measured ours) {
    double cpuRatio() {
      return reference.cpuNsPerCall() / ours.cpu();
    }

    double wallRatio() {
      return reference.nsPerCall() / ours.wall();
    }
  }

  /** One JMH result: wall-clock ns/op and its error, process CPU ns/op, bytes allocated per op. */
  private record Measured(double wall, double error, double cpu, double bytes) {
    Measured(RunResult r) {
      this(
          r.getPrimaryResult().getScore(),
          r.getPrimaryResult().getScoreError(),
          secondary(r, "cpu.time.norm"),
          secondary(r, "gc.alloc.rate.norm"));
    }

    private static double secondary(RunResult r, String name) {
      Result<?> s = r.getSecondaryResults().get(name);
      return s == null ? Double.NaN : s.getScore();
    }
  }

  private static String report(
      int cases, List<Round> rounds, Map<String, Measured> catalogs, int seconds) {
    Measured lookUpFull = catalogs.get("lookUpUncached [full]");
    Measured lookUpLegacy = catalogs.get("lookUpUncached [legacy-77]");
    Measured mixFull = catalogs.get("normaliseAndPrice [full]");
    Measured mixLegacy = catalogs.get("normaliseAndPrice [legacy-77]");
    Round median =
        rounds.stream()
            .sorted(Comparator.comparingDouble(Round::cpuRatio))
            .toList()
            .get(rounds.size() / 2);
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            "# span-pricing benchmark: our pricing against the reference's%n%n"
                + "Run (one run, both sides):%n%n```sh%n./mvnw -B -q -pl benchmarks -am package -DskipTests"
                + "%njava -cp benchmarks/target/benchmarks.jar dev.costtrace.bench.pricing.PricingComparison"
                + " %d%n```%n%nMachine: %d cores, %s %s; JMH 1 fork, 15 × 2 s warm-up, 8 × 2 s"
                + " measurement, one thread. Raw JMH output: `pricing.json` beside this file.%n%n",
            seconds,
            Runtime.getRuntime().availableProcessors(),
            System.getProperty("java.vm.name"),
            System.getProperty("java.version")));
    sb.append(
        String.format(
            "Ratio on the same %,d cases, measured in one run (%d rounds, each the"
                + " reference's loop then our JMH run; the median round): the reference's `calcPrice`"
                + " takes **%.1f×** the CPU time of our normalise + price (%,.0f ns against %,.0f ns"
                + " per call), %.1f× in wall-clock time (%,.0f against %,.0f ns).%n%n",
            cases,
            rounds.size(),
            median.cpuRatio(),
            median.reference().cpuNsPerCall(),
            median.ours().cpu(),
            median.wallRatio(),
            median.reference().nsPerCall(),
            median.ours().wall()));
    sb.append(
        "| round | reference CPU ns / call | ours CPU ns / span | CPU ratio |"
            + " reference wall ns | ours wall ns | wall ratio | ours B / span |\n"
            + "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n");
    for (int i = 0; i < rounds.size(); i++) {
      Round r = rounds.get(i);
      sb.append(
          String.format(
              "| %d | %,.0f | %,.0f | %.1f× | %,.0f | %,.0f ± %,.0f | %.1f× | %,.0f" + " |%n",
              i + 1,
              r.reference().cpuNsPerCall(),
              r.ours().cpu(),
              r.cpuRatio(),
              r.reference().nsPerCall(),
              r.ours().wall(),
              r.ours().error(),
              r.wallRatio(),
              r.ours().bytes()));
    }
    sb.append(
        String.format(
            "%nReference: @pydantic/genai-prices %s on Node.js %s, %d s warm-up"
                + " then %d s measured per round; CPU time of the whole process (every thread), as for"
                + " the JVM (`ProcessCpuProfiler`).%n%n",
            rounds.get(0).reference().version(), nodeVersion(), seconds, seconds));
    sb.append(
        String.format(
            "Cost of the larger catalog (1,694 models against the 77 bundled"
                + " before), CPU time: an uncached look-up of one of the mix's models takes %.2f× as"
                + " long (%,.0f against %,.0f ns), paid once per distinct model, as the pricer caches"
                + " look-ups per catalog version; normalise + price of the mix, look-ups cached, %.2f×"
                + " (%,.0f against %,.0f ns).%n%n",
            lookUpFull.cpu() / lookUpLegacy.cpu(),
            lookUpFull.cpu(),
            lookUpLegacy.cpu(),
            mixFull.cpu() / mixLegacy.cpu(),
            mixFull.cpu(),
            mixLegacy.cpu()));
    sb.append(
        "| `SpanPricingBenchmark` | CPU ns / op | wall-clock ns / op | B / op |\n"
            + "| --- | ---: | ---: | ---: |\n");
    catalogs.forEach(
        (name, m) ->
            sb.append(
                String.format(
                    "| `%s` | %,.0f | %,.0f ± %,.0f | %,.0f" + " |%n",
                    name, m.cpu(), m.wall(), m.error(), m.bytes())));
    sb.append(
        String.format(
            "%nCases: the oracle test's (`OracleCases`): every model of the"
                + " reference in every spelling its rules name, in token mixes (plain, cache read and"
                + " write, 1-hour writes, reasoning, audio, both sides of each long-context tier), at"
                + " instants on both sides of each price change, round-robin; ours are OTLP spans with the"
                + " OTel GenAI attributes, normalised and priced (`SpanPricer.price`), theirs"
                + " `calcPrice(usage, model, {providerId, timestamp})`. Mix (`SpanPricingBenchmark`):"
                + " OpenAI chat with cached input; o4-mini with reasoning; Claude Sonnet 4.5 above the 200k"
                + " tier with cache reads and writes; a Bedrock cross-region inference profile; Gemini; an"
                + " embedding; a `web_search` tool call; a fine-tuned (unknown) model; an HTTP server span"
                + " and a DB span; `decodeOnly` is the bare protobuf decode of the same spans.%n"));
    return sb.toString();
  }

  private static String nodeVersion() {
    try {
      Process p = new ProcessBuilder("node", "--version").redirectErrorStream(true).start();
      return new String(p.getInputStream().readAllBytes()).trim();
    } catch (IOException e) {
      return "?";
    }
  }
}
