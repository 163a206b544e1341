package dev.costtrace.bench.receiver;

import java.io.IOException;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * Where the CPU time went (Linux): this process's threads by group and the JVM's own threads by
 * kind, stop-the-world pauses, the embedded ClickHouse engine's process, the cores' idle time, and
 * pinning the engine apart from this process.
 */
final class HostCpu {
  private HostCpu() {}

  /** The settle after a window, seconds: ClickHouse is left alone while its merges run. */
  static final int SETTLE_SECONDS = 3;

  /** ClickHouse CPU µs per payload span in the {@link #SETTLE_SECONDS} after a window. */
  static double settleCpuUs(long sent) throws InterruptedException {
    long before = clickHouseCpuNanos();
    Thread.sleep(SETTLE_SECONDS * 1000L);
    return (clickHouseCpuNanos() - before) / 1e3 / sent;
  }

  /** Jiffies since boot on all CPUs: in total, and idle (idle + iowait). */
  record Jiffies(long total, long idle) {}

  /** The idle share of the cores between two readings. */
  static double idleShare(Jiffies from, Jiffies to) {
    long total = to.total() - from.total();
    return total <= 0 ? Double.NaN : (double) (to.idle() - from.idle()) / total;
  }

  /** The cores' jiffies so far, from /proc/stat (Linux; zeros elsewhere). */
  static Jiffies cpuStat() throws IOException {
    Path stat = Path.of("/proc/stat");
    if (!Files.isReadable(stat)) {
      return new Jiffies(0, 0);
    }
    String[] f = Files.readAllLines(stat).get(0).trim().split("\\s+");
    long tot = 0;
    for (int i = 1; i < f.length; i++) {
      tot += Long.parseLong(f[i]);
    }
    return new Jiffies(tot, Long.parseLong(f[4]) + Long.parseLong(f[5]));
  }

  /** The 1-minute load average (the machine is shared), or -1 where the OS gives none. */
  static double loadAverage() {
    return Measurements.round(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
  }

  /**
   * Pins the embedded engine's process to the last CPU and this process to the others (Linux
   * taskset).
   */
  static void pinClickHouseApart() throws IOException, InterruptedException {
    int cpus = Runtime.getRuntime().availableProcessors();
    if (cpus < 2) {
      throw new IllegalStateException("bench.pin needs at least 2 CPUs");
    }
    List<Long> engines = engineProcesses().map(ProcessHandle::pid).toList();
    if (engines.isEmpty()) {
      throw new IllegalStateException("bench.pin: no embedded ClickHouse process found");
    }
    for (long pid : engines) {
      taskset(Integer.toString(cpus - 1), pid);
    }
    taskset(cpus == 2 ? "0" : "0-" + (cpus - 2), ProcessHandle.current().pid());
    System.out.printf(
        Locale.ROOT,
        "pinned: ClickHouse %s on CPU %d, this JVM and the load generator on the rest%n",
        engines,
        cpus - 1);
  }

  private static void taskset(String cpuList, long pid) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder("taskset", "-a", "-p", "-c", cpuList, Long.toString(pid))
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
            .start();
    if (p.waitFor() != 0) {
      throw new IllegalStateException("taskset -a -p -c " + cpuList + " " + pid + " failed");
    }
  }

  /** The embedded engine: the node process (chDB inside) this JVM started. */
  private static Stream<ProcessHandle> engineProcesses() {
    return ProcessHandle.current()
        .descendants()
        .filter(
            p ->
                p.info()
                    .command()
                    .map(c -> c.endsWith("node") || c.contains("/node"))
                    .orElse(false));
  }

  /** CPU time of the embedded engine's process (the Node.js front with chDB), 0 for a server. */
  static long clickHouseCpuNanos() {
    return engineProcesses()
        .mapToLong(p -> p.info().totalCpuDuration().map(Duration::toNanos).orElse(0L))
        .sum();
  }

  /** Total stop-the-world collection time so far (ms), all collectors. */
  static long gcMillis() {
    long sum = 0;
    for (GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      sum += Math.max(0, gc.getCollectionTime());
    }
    return sum;
  }

  /**
   * CPU time so far (ns) of the JVM's own threads, from /proc (Linux; empty elsewhere), by kind:
   * "gc" (GC and G1 refinement threads), "jit" (compiler threads), "vm" (the rest of them).
   */
  static Map<String, Long> jvmThreadCpu() {
    Map<String, Long> out = new LinkedHashMap<>();
    Path tasks = Path.of("/proc/self/task");
    if (!Files.isDirectory(tasks)) {
      return out;
    }
    long tickNanos = 10_000_000L; // USER_HZ = 100 on Linux
    try (Stream<Path> ls = Files.list(tasks)) {
      for (Path task : (Iterable<Path>) ls::iterator) {
        try {
          String stat = Files.readString(task.resolve("stat"));
          String name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
          String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          long cpu = (Long.parseLong(f[11]) + Long.parseLong(f[12])) * tickNanos; // utime, stime
          String kind =
              name.startsWith("GC Thread") || name.startsWith("G1 ")
                  ? "gc"
                  : name.contains("CompilerThre")
                      ? "jit"
                      : name.startsWith("VM Thread") ? "vm" : null;
          if (kind != null) {
            out.merge(kind, cpu, Long::sum);
          }
        } catch (IOException | RuntimeException e) {
          // a thread that ended while being read
        }
      }
    } catch (IOException e) {
      return out;
    }
    return out;
  }

  /**
   * Thread groups of the receiver's process: everything else, workers, transport, the sink's
   * writer.
   */
  static final String[] THREAD_GROUPS = {"other", "workers", "transport", "sink"};

  private static String threadGroup(String name) {
    if (name.startsWith("costtrace-otlp-")) {
      return "workers";
    }
    if (name.startsWith("costtrace-clickhouse-sink")) {
      return "sink";
    }
    if (name.startsWith("grpc-") || name.startsWith("HTTP-Dispatcher")) {
      return "transport";
    }
    return "other";
  }

  /** CPU time so far of the live Java threads, summed by {@link #threadGroup}. */
  static Map<String, Long> cpuByThreadGroup() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Map<String, Long> out = new LinkedHashMap<>();
    for (ThreadInfo info : threads.dumpAllThreads(false, false)) {
      long cpu = threads.getThreadCpuTime(info.getThreadId());
      if (cpu > 0) {
        out.merge(threadGroup(info.getThreadName()), cpu, Long::sum);
      }
    }
    return out;
  }
}
