package dev.costtrace.agent.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.core.ConditionTimeoutException;

/**
 * The built {@code costtrace serve} (otlp-receiver's {@code target/costtrace.jar}) in its own JVM,
 * as a user runs it, on ephemeral ports with its own database and sink buffer: on the server {@code
 * CLICKHOUSE_URL} names when set, else on an embedded engine in {@code dir} (never a Docker
 * container per process: serve and report must see the same engine). {@link #report} runs {@code
 * costtrace report --format json}; {@link #close} sends SIGTERM (drain and flush) and waits.
 */
public final class ReceiverProcess implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern PORTS =
      Pattern.compile("receiving OTLP/gRPC on :(\\d+) and OTLP/HTTP on :(\\d+)");

  private final Path dir;
  private final String database;
  private final Process serve;
  private final List<String> output = new ArrayList<>();
  private final int httpPort;

  private ReceiverProcess(Path dir, String database, List<String> jvmArgs) throws Exception {
    this.dir = dir;
    this.database = database;
    this.serve = costtrace(jvmArgs, "serve", "--grpc-port", "0", "--http-port", "0").start();
    this.httpPort = awaitHttpPort();
  }

  /**
   * Starts serve with a database named {@code database} (one per test JVM), data in {@code dir}.
   */
  public static ReceiverProcess start(Path dir, String database) throws Exception {
    return start(dir, database, List.of());
  }

  /** Starts serve likewise, its JVM given {@code jvmArgs} (settings as system properties). */
  public static ReceiverProcess start(Path dir, String database, List<String> jvmArgs)
      throws Exception {
    return new ReceiverProcess(dir, database, jvmArgs);
  }

  /** The OTLP/HTTP endpoint an agent exports to. */
  public String endpoint() {
    return "http://127.0.0.1:" + httpPort;
  }

  /** Reads serve's output until it names its ports; keeps draining it afterwards. */
  private int awaitHttpPort() throws Exception {
    BufferedReader out =
        new BufferedReader(new InputStreamReader(serve.getInputStream(), StandardCharsets.UTF_8));
    long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
    String line;
    while (System.nanoTime() < deadline && (line = out.readLine()) != null) {
      synchronized (output) {
        output.add(line);
      }
      Matcher m = PORTS.matcher(line);
      if (m.find()) {
        Thread drain =
            new Thread(
                () -> {
                  try {
                    for (String l; (l = out.readLine()) != null; ) {
                      synchronized (output) {
                        output.add(l);
                      }
                    }
                  } catch (IOException e) {
                    // the process ended
                  }
                },
                "serve-output");
        drain.setDaemon(true);
        drain.start();
        return Integer.parseInt(m.group(2));
      }
    }
    throw new AssertionError("costtrace serve did not start:\n" + String.join("\n", output));
  }

  /** {@code costtrace report --format json --top 50 <args>}: one JSON object per row. */
  public List<JsonNode> report(String... args) throws Exception {
    return report(50, args);
  }

  /**
   * {@code costtrace report --format json --top <top> <args>}: one JSON object per row, the summary
   * last. Works after {@link #close} too (the report opens the same database itself).
   */
  public List<JsonNode> report(int top, String... args) throws Exception {
    List<String> cmd =
        new ArrayList<>(List.of("report", "--format", "json", "--top", Integer.toString(top)));
    cmd.addAll(List.of(args));
    Process p = costtrace(List.of(), cmd.toArray(new String[0])).start();
    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(text).isZero();
    List<JsonNode> rows = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.startsWith("{")) {
        rows.add(JSON.readTree(line));
      }
    }
    return rows;
  }

  /**
   * Polls the report until {@code n} conversations are there (the app's spans, then the sink), or a
   * minute has passed; by conversation ID.
   */
  public Map<String, JsonNode> awaitConversations(int n) throws Exception {
    AtomicReference<Map<String, JsonNode>> last = new AtomicReference<>(Map.of());
    try {
      await("conversations in the report")
          .atMost(Duration.ofSeconds(60))
          .pollInterval(Duration.ofMillis(500))
          .until(
              () -> {
                Map<String, JsonNode> rows = new HashMap<>();
                for (JsonNode row : report("--by", "conversation")) {
                  if (row.has("conversation_id")) {
                    rows.put(row.get("conversation_id").asText(), row);
                  }
                }
                last.set(rows);
                return rows.size() >= n;
              });
    } catch (ConditionTimeoutException e) {
      // the caller's assertions on what did arrive say more than the timeout would
    }
    return last.get();
  }

  private ProcessBuilder costtrace(List<String> jvmArgs, String... args) throws IOException {
    Path jar = Path.of(System.getProperty("costtrace.receiver.jar"));
    assertThat(jar).as("built by the costtrace-cli module").exists();
    List<String> cmd =
        new ArrayList<>(
            List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dcosttrace.clickhouse.embedded.dir="
                    + Files.createDirectories(dir.resolve("clickhouse")),
                "-Dcosttrace.clickhouse.database=" + database,
                "-Dcosttrace.sink.buffer.dir=" + dir.resolve("buffer")));
    cmd.addAll(jvmArgs);
    cmd.addAll(List.of("-jar", jar.toString()));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectErrorStream(true);
  }

  @Override
  public void close() throws InterruptedException {
    serve.destroy(); // SIGTERM: drain and flush
    boolean ended = serve.waitFor(60, TimeUnit.SECONDS);
    synchronized (output) {
      assertThat(ended).as(String.join("\n", output)).isTrue();
    }
  }
}
