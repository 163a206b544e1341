package dev.costtrace.bench.pricing;

import dev.costtrace.pricing.oracle.OracleCases;
import dev.costtrace.pricing.oracle.ReferencePrices;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import org.openjdk.jmh.profile.GCProfiler;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.OptionsBuilder;

/**
 * One run, side by side: our normalise + price per span (JMH: {@link ReferenceCasesBenchmark} on
 * the oracle's cases, {@link SpanPricingBenchmark} on a realistic mix with the full and the
 * 77-model catalog) and the reference implementation's {@code calcPrice} per call on the same
 * cases (a Node.js timing loop, {@link ReferencePrices#time}), then the write-up in
 * {@code benchmarks/results/pricing.md} and JMH's raw results in {@code pricing.json}.
 *
 * <p>Arguments: seconds the Node.js loop warms up and then measures (default 10).
 */
public final class PricingComparison {
  private PricingComparison() {}

  public static void main(String[] args) throws RunnerException, IOException {
    int seconds = args.length > 0 ? Integer.parseInt(args[0]) : 10;
    Path dir = Path.of(System.getProperty("bench.out", "benchmarks/results"));
    // Node first: while it runs, nothing else of ours does.
    var cases = OracleCases.all();
    ReferencePrices.Timing reference =
        ReferencePrices.time(cases.stream().map(OracleCases.OracleCase::reference).toList(), seconds);
    Collection<RunResult> runs = new Runner(new OptionsBuilder()
        .include(ReferenceCasesBenchmark.class.getName())
        .include(SpanPricingBenchmark.class.getName())
        .addProfiler(GCProfiler.class)
        .resultFormat(ResultFormatType.JSON)
        .result(dir.resolve("pricing.json").toString())
        .build()).run();
    Map<String, double[]> ours = new LinkedHashMap<>(); // ns/op, error, B/op
    for (RunResult r : runs) {
      String name = r.getParams().getBenchmark().replaceAll(".*\\.(\\w+\\.\\w+)$", "$1");
      String catalog = r.getParams().getParam("catalog");
      Result<?> primary = r.getPrimaryResult();
      Result<?> alloc = r.getSecondaryResults().get("gc.alloc.rate.norm");
      ours.put(name + (catalog == null ? "" : " [" + catalog + "]"), new double[] {
          primary.getScore(), primary.getScoreError(), alloc == null ? Double.NaN : alloc.getScore()});
    }
    String md = report(cases.size(), reference, ours, seconds);
    Files.writeString(dir.resolve("pricing.md"), md);
    System.out.println(md);
  }

  private static String report(
      int cases, ReferencePrices.Timing reference, Map<String, double[]> ours, int seconds) {
    double[] oursOnCases = ours.get("ReferenceCasesBenchmark.normaliseAndPrice");
    StringBuilder sb = new StringBuilder();
    sb.append("| what | per span / call | B allocated |\n| --- | ---: | ---: |\n");
    sb.append(String.format("| reference `calcPrice` (@pydantic/genai-prices %s, Node.js %s),"
            + " %d cases round-robin | %.0f ns | |%n", reference.version(), nodeVersion(), cases,
        reference.nsPerCall()));
    ours.forEach((name, v) -> sb.append(String.format("| ours: `%s` | %.1f ± %.1f ns | %.0f |%n",
        name, v[0], v[1], v[2])));
    sb.append(String.format("%nRatio on the same %d cases, measured in one run: the reference's"
            + " `calcPrice` takes **%.0f×** our normalise + price (%.0f ns against %.1f ns).%n",
        cases, reference.nsPerCall() / oursOnCases[0], reference.nsPerCall(), oursOnCases[0]));
    double[] full = ours.get("SpanPricingBenchmark.lookUpUncached [full]");
    double[] legacy = ours.get("SpanPricingBenchmark.lookUpUncached [legacy-77]");
    double[] priceFull = ours.get("SpanPricingBenchmark.normaliseAndPrice [full]");
    double[] priceLegacy = ours.get("SpanPricingBenchmark.normaliseAndPrice [legacy-77]");
    sb.append(String.format("%nCost of the larger catalog (1,694 models against the 77 bundled"
            + " before): an uncached look-up of one of the mix's models takes %.2f× as long (%.0f"
            + " against %.0f ns), paid once per distinct model (the pricer caches look-ups per"
            + " catalog version); normalise + price of the mix takes %.2f× (%.1f against %.1f"
            + " ns).%n", full[0] / legacy[0], full[0], legacy[0], priceFull[0] / priceLegacy[0],
        priceFull[0], priceLegacy[0]));
    sb.append(String.format("%nNode.js loop: %d s warm-up, then %d s measured, %d calls.%n",
        seconds, seconds, reference.calls()));
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
