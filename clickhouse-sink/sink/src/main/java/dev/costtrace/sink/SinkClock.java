package dev.costtrace.sink;

/**
 * The sink's time source for its own decisions: when a batch is due by age, how long a batch took,
 * how long to back off. Tests give the sink a clock they move themselves.
 */
@FunctionalInterface
public interface SinkClock {
  /** Nanoseconds from an arbitrary origin, as {@link System#nanoTime()}. */
  long nanoTime();

  /** The JVM's monotonic clock. */
  static SinkClock system() {
    return System::nanoTime;
  }
}
