package dev.costtrace.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The built {@code costtrace} executable (otlp-receiver's {@code target/costtrace.jar}) for the ITs. */
final class ReceiverProcess {
  private static final Pattern PORTS =
      Pattern.compile("receiving OTLP/gRPC on :(\\d+) and OTLP/HTTP on :(\\d+)");

  private ReceiverProcess() {}

  /**
   * A {@code costtrace} command with the test's own database and sink buffer: on the server
   * {@code CLICKHOUSE_URL} names when set, else on an embedded engine in {@code dir} (never a Docker
   * container per process: serve and report must see the same engine).
   */
  static ProcessBuilder costtrace(Path dir, String database, List<String> jvmArgs, String... args)
      throws IOException {
    Path jar = Path.of(System.getProperty("costtrace.receiver.jar"));
    assertThat(jar).as("built by the costtrace-cli module").exists();
    List<String> cmd = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Dcosttrace.clickhouse.embedded.dir=" + Files.createDirectories(dir.resolve("clickhouse")),
        "-Dcosttrace.clickhouse.database=" + database,
        "-Dcosttrace.sink.buffer.dir=" + dir.resolve("buffer")));
    cmd.addAll(jvmArgs);
    cmd.addAll(List.of("-jar", jar.toString()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectErrorStream(true);
  }

  /** Reads serve's output until it names its ports; keeps draining it afterwards. */
  static int awaitHttpPort(Process serve, List<String> lines) throws IOException {
    BufferedReader out = new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    String line;
    while (System.nanoTime() < deadline && (line = out.readLine()) != null) {
      synchronized (lines) {
        lines.add(line);
      }
      Matcher m = PORTS.matcher(line);
      if (m.find()) {
        Thread drain = new Thread(() -> {
          try {
            for (String l; (l = out.readLine()) != null; ) {
              synchronized (lines) {
                lines.add(l);
              }
            }
          } catch (IOException e) {
            // the process ended
          }
        }, "serve-output");
        drain.setDaemon(true);
        drain.start();
        return Integer.parseInt(m.group(2));
      }
    }
    throw new AssertionError("costtrace serve did not start:\n" + String.join("\n", lines));
  }
}
