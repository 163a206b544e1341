package dev.costtrace.receiver.metrics;

import java.util.HashSet;
import java.util.Set;

/**
 * Writes the Prometheus text exposition format (version 0.0.4): one {@code # HELP} and {@code #
 * TYPE} per family, then its samples. Label values are escaped as the format requires.
 */
public final class PrometheusText {
  /** The content type of the exposition. */
  public static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

  private final StringBuilder out = new StringBuilder(4096);
  private final Set<String> families = new HashSet<>();

  /** A monotonically increasing count; {@code labels} are name, value pairs. */
  public PrometheusText counter(String name, String help, double value, String... labels) {
    return sample(name, "counter", help, name, value, labels);
  }

  /** A value that goes up and down. */
  public PrometheusText gauge(String name, String help, double value, String... labels) {
    return sample(name, "gauge", help, name, value, labels);
  }

  /**
   * A histogram from per-bucket (not cumulative) counts; {@code bounds} are the buckets' upper
   * bounds, and counts has one more entry for observations above the last bound.
   */
  public PrometheusText histogram(
      String name, String help, double[] bounds, long[] counts, double sum, String... labels) {
    header(name, "histogram", help);
    long cumulative = 0;
    for (int i = 0; i <= bounds.length; i++) {
      cumulative += counts[i];
      String le = i < bounds.length ? format(bounds[i]) : "+Inf";
      line(name + "_bucket", cumulative, append(labels, "le", le));
    }
    line(name + "_sum", sum, labels);
    line(name + "_count", cumulative, labels);
    return this;
  }

  private PrometheusText sample(
      String family, String type, String help, String name, double value, String... labels) {
    header(family, type, help);
    line(name, value, labels);
    return this;
  }

  private void header(String family, String type, String help) {
    if (families.add(family)) {
      out.append("# HELP ")
          .append(family)
          .append(' ')
          .append(help.replace("\\", "\\\\").replace("\n", "\\n"))
          .append('\n')
          .append("# TYPE ")
          .append(family)
          .append(' ')
          .append(type)
          .append('\n');
    }
  }

  private void line(String name, double value, String... labels) {
    out.append(name);
    if (labels.length > 0) {
      out.append('{');
      for (int i = 0; i < labels.length; i += 2) {
        if (i > 0) {
          out.append(',');
        }
        out.append(labels[i])
            .append("=\"")
            .append(labels[i + 1].replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n"))
            .append('"');
      }
      out.append('}');
    }
    out.append(' ').append(format(value)).append('\n');
  }

  private static String[] append(String[] labels, String name, String value) {
    String[] out = java.util.Arrays.copyOf(labels, labels.length + 2);
    out[labels.length] = name;
    out[labels.length + 1] = value;
    return out;
  }

  private static String format(double v) {
    if (v == Math.rint(v) && !Double.isInfinite(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    return Double.toString(v);
  }

  @Override
  public String toString() {
    return out.toString();
  }
}
