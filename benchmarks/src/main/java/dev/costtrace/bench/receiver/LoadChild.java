package dev.costtrace.bench.receiver;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The load generator's process ({@link LoadProcess}) seen from the benchmark, started and past its
 * warm-up (it said GO). Its own JVM keeps this process's CPU time the receiver's alone.
 */
final class LoadChild implements AutoCloseable {
  private static final int CLIENT_THREADS = Integer.getInteger("bench.clients", 2);

  private final Process process;
  private final BufferedReader out;

  private LoadChild(Process process) {
    this.process = process;
    this.out =
        new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
  }

  static LoadChild start(
      String transport,
      int port,
      String mode,
      int warmUpSeconds,
      int seconds,
      int requests,
      String... more)
      throws IOException {
    // C1 only: the load generator is not what is measured, and on the same two cores C2 cost more
    // than the sending itself (measured end to end: 3.4 µs CPU per span with C2 recompiling the
    // client after its warm-up, 0.9-1.2 µs with C1).
    List<String> command =
        new ArrayList<>(
            List.of(
                ProcessHandle.current().info().command().orElse("java"),
                "-Xmx512m",
                "-XX:TieredStopAtLevel=1"));
    // For profiling the load generator: -Dbench.load.jvmArgs="-Xlog:gc:file=/tmp/load-gc.log".
    String extra = System.getProperty("bench.load.jvmArgs", "").trim();
    if (!extra.isEmpty()) {
      command.addAll(List.of(extra.split("\\s+")));
    }
    command.addAll(
        List.of(
            "-cp",
            System.getProperty("java.class.path"),
            LoadProcess.class.getName(),
            mode,
            transport,
            Integer.toString(port),
            Integer.toString(warmUpSeconds),
            Integer.toString(seconds),
            Integer.toString(CLIENT_THREADS),
            Integer.toString(requests)));
    command.addAll(List.of(more));
    LoadChild child =
        new LoadChild(
            new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT).start());
    child.expect("GO");
    return child;
  }

  /** What the load generator did while measured. */
  record Done(long requests, long cpuNanos) {
    long spans() {
      return requests * Workload.SPANS_PER_REQUEST;
    }
  }

  Done awaitDone() throws IOException, InterruptedException {
    String[] done = expect("DONE");
    if (process.waitFor() != 0) {
      throw new IllegalStateException("the load generator failed");
    }
    return new Done(Long.parseLong(done[1]), Long.parseLong(done[2]));
  }

  private String[] expect(String word) throws IOException {
    for (String line; (line = out.readLine()) != null; ) {
      if (line.startsWith(word)) {
        return line.split(" ");
      }
    }
    throw new IllegalStateException("the load generator ended before " + word);
  }

  @Override
  public void close() {
    process.destroy();
  }
}
