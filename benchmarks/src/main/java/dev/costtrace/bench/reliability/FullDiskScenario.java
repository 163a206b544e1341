package dev.costtrace.bench.reliability;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/**
 * The buffer's disk full under load: the receiver runs with its buffer directory on a tmpfs of its
 * own ({@code unshare}, a private mount namespace), and another file fills that tmpfs. Appends fail
 * part-way ({@code ENOSPC}): the receiver must refuse with a retryable answer (503 / UNAVAILABLE),
 * keep every record it acknowledged intact, and take exports again as soon as there is room.
 */
final class FullDiskScenario implements Scenario {
  private static final int DISK_MIB = 64;

  @Override
  public String name() {
    return "disk-full";
  }

  @Override
  public String fault() {
    return "the buffer's disk full (ENOSPC) under load";
  }

  @Override
  public ScenarioResult run(Workbench bench) throws Exception {
    try (Workbench.Run run = bench.run(name(), fault())) {
      Map<String, String> env = run.env(bench.clickhouse.httpUrl());
      // A buffer small enough for the disk: its segments (an eighth of it) must fit.
      env.put("COSTTRACE_SINK_BUFFER_MAX_BYTES", "32MiB");
      run.start(env, DISK_MIB, 256);
      Path buffer = run.serve.insideMounts(Path.of(env.get("COSTTRACE_SINK_BUFFER_DIR")));
      double rate = bench.settings.steadySpansPerSecond() / TraceRequests.SPANS;
      Duration around = Duration.ofSeconds(Math.max(3, bench.settings.fullDisk().toSeconds() / 3));
      run.loadStarts();
      run.load.offer(rate, around);
      Path filler = buffer.resolve("filler.bin");
      long filled = fill(filler);
      long refusedBefore = run.load.retriedRefusals();
      long ackedBefore = run.load.acknowledged().size();
      run.load.offer(rate, bench.settings.fullDisk());
      long refusedWhileFull = run.load.retriedRefusals() - refusedBefore;
      long ackedWhileFull = run.load.acknowledged().size() - ackedBefore;
      Files.delete(filler);
      long freed = System.nanoTime();
      run.load.mark();
      run.load.offer(rate, around);
      run.loadStops();
      long firstAck = run.load.firstAcknowledgedAfterMark();
      double recovery = firstAck == 0 ? -1 : (firstAck - freed) / 1e9;
      run.notes.add(
          String.format(
              "tmpfs of %d MiB filled with %,d bytes; while full %,d refusals were retried and"
                  + " %,d requests acknowledged (appends that still fit); time to recover = from the room coming back"
                  + " to the next acknowledged export",
              DISK_MIB, filled, refusedWhileFull, ackedWhileFull));
      if (refusedWhileFull == 0) {
        run.violations.add("the disk was full but nothing was refused");
      }
      if (recovery < 0) {
        run.violations.add("nothing was acknowledged after the disk had room again");
      }
      return run.finish(recovery, -1);
    }
  }

  /** Writes until the disk is full; returns how much was written. */
  private static long fill(Path file) throws IOException {
    byte[] chunk = new byte[256 * 1024];
    long written = 0;
    try (OutputStream out = Files.newOutputStream(file)) {
      while (true) {
        out.write(chunk);
        written += chunk.length;
      }
    } catch (IOException e) {
      if (written == 0) {
        throw e;
      }
      return written; // No space left on device
    }
  }
}
