package dev.costtrace.bench.receiver;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Every run's value of every measure, by name. The machine is shared, so each phase runs several
 * times and the results give per measure the median, the best run and every run.
 */
final class Measurements {
  private final Map<String, List<Double>> runs = new LinkedHashMap<>();

  void add(String key, double value) {
    runs.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
  }

  boolean has(String key) {
    return runs.containsKey(key);
  }

  double median(String key) {
    List<Double> sorted = new ArrayList<>(runs.get(key));
    Collections.sort(sorted);
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  /** Per measure: the median under its own name, the best run (_best) and every run (_runs). */
  void summariseInto(Map<String, Object> results) {
    runs.forEach(
        (key, values) -> {
          // Interference only ever adds CPU time: for a cost the best run is the least.
          boolean lowerIsBetter = key.contains("_us_per_") || key.endsWith("_cpu_ms");
          double best = lowerIsBetter ? Collections.min(values) : Collections.max(values);
          results.put(key, round(median(key)));
          if (values.size() > 1) {
            results.put(key + "_best", round(best));
            results.put(key + "_runs", values.stream().map(Measurements::round).toList());
          }
        });
  }

  static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }
}
