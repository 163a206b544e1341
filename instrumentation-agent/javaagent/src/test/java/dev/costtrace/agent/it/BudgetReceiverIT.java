package dev.costtrace.agent.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Budgets across processes, as a user runs them: the built {@code costtrace serve} (its own JVM,
 * the embedded ClickHouse) with the same rules file as the apps and a webhook to a local server;
 * apps under the built agent exporting to it with the agent's defaults. Two JVMs share one
 * conversation (the second asks the receiver and is blocked before sending anything); the rules
 * file is changed while an app runs and the new cap applies; an app whose receiver look-up cannot
 * connect fails open with exactly one warning; the webhook gets each (conversation, limit) once,
 * signed with HMAC-SHA256; {@code costtrace report --budget-events} lists the agent's blocks.
 */
class BudgetReceiverIT {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String SECRET = "whsec-it-9f2c";
  static final String RULES_CAP_0035 =
      String.join(
          "\n",
          "rule.shared.feature = shared",
          "rule.shared.conversation.cap.usd = 0.0035",
          "rule.reload.feature = reload",
          "rule.reload.conversation.cap.usd = 0.0035",
          "rule.unreachable.feature = unreachable",
          "rule.unreachable.conversation.cap.usd = 0.0035",
          "");

  @TempDir Path dir;
  final String database = "budget_it_" + ProcessHandle.current().pid();

  @Test
  void budgetsAcrossProcessesReloadFailOpenAndTheWebhook() throws Exception {
    Path rules = dir.resolve("budgets.properties");
    write(rules, RULES_CAP_0035);
    List<String> hookSignatures = new CopyOnWriteArrayList<>();
    List<byte[]> hookBodies = new CopyOnWriteArrayList<>();
    CountDownLatch threeDelivered = new CountDownLatch(3);
    HttpServer hook = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    hook.createContext(
        "/hook",
        e -> {
          hookBodies.add(e.getRequestBody().readAllBytes());
          hookSignatures.add(e.getRequestHeaders().getFirst("X-CostTrace-Signature"));
          threeDelivered.countDown();
          e.sendResponseHeaders(204, -1);
          e.close();
        });
    hook.start();
    ReceiverProcess serve =
        ReceiverProcess.start(
            dir,
            database,
            List.of(
                "-Dcosttrace.budgets.file=" + rules,
                "-Dcosttrace.budget.webhook.url=http://127.0.0.1:"
                    + hook.getAddress().getPort()
                    + "/hook",
                "-Dcosttrace.budget.webhook.secret=" + SECRET));
    try (VendorReplayServer vendor = new VendorReplayServer()) {
      String receiver = serve.endpoint();
      // The receiver's answer takes seconds on a loaded CI machine (its ClickHouse query): the
      // look-up gets time, so that only the unreachable app fails open.
      List<String> appArgs =
          List.of("-Dcosttrace.budgets.file=" + rules, "-Dcosttrace.budget.remote.timeout=30s");
      Path marker = dir.resolve("rules-changed");

      // C: its receiver look-up cannot connect (a closed port): fail open, one warning, its own
      // ledger still blocks the third call. Started first: it runs while A and B do.
      int closedPort;
      try (ServerSocket s = new ServerSocket(0)) {
        closedPort = s.getLocalPort();
      }
      Process c =
          app(
              receiver,
              List.of(
                  "-Dcosttrace.budgets.file=" + rules,
                  "-Dcosttrace.budget.endpoint=http://127.0.0.1:" + closedPort),
              vendor,
              "unreachable:conv-unreachable");
      // A: conversation shared-1 (two calls, the third blocked), conv-r1 under the 0.0035 cap,
      // then waits for the rules to change and runs conv-r2 under the new cap.
      Process a =
          app(
              receiver,
              appArgs,
              vendor,
              "shared:shared-1",
              "reload:conv-r1",
              "wait-file:" + marker,
              "reload:conv-r2");
      List<String> aOut = new ArrayList<>();
      awaitLine(a, aOut, "RESULT reload ");
      assertThat(result(aOut, "shared"))
          .startsWith("calls=2 blocked=conversation_cap_usd/shared-1");
      assertThat(result(aOut, "reload")).startsWith("calls=2 blocked=conversation_cap_usd/conv-r1");

      // B: the same conversation from another JVM: the receiver's spend blocks its first call.
      List<String> bOut =
          AgentProcess.run(
              receiver,
              AgentProcess.fullClasspath(),
              appArgs,
              BudgetTestApp.class,
              vendor.baseUrl("127.0.0.1"),
              vendor.anthropicBaseUrl(),
              "shared:shared-1");
      assertThat(AgentProcess.result(bOut, "shared"))
          .startsWith("calls=0 blocked=conversation_cap_usd/shared-1");
      assertThat(vendor.received("shared")).hasSize(2);

      // The rules change while A runs: conv-r2 gets the new 0.01 cap (four calls, 0.0063 USD).
      write(
          rules,
          RULES_CAP_0035.replace(
              "rule.reload.conversation.cap.usd = 0.0035",
              "rule.reload.conversation.cap.usd = 0.01"));
      Files.writeString(marker, "go");
      finish(a, aOut);
      assertThat(aOut.stream().filter(l -> l.startsWith("RESULT reload ")).toList())
          .hasSize(2)
          .last()
          .asString()
          .startsWith("RESULT reload calls=4 blocked=none");

      List<String> cOut = new ArrayList<>();
      finish(c, cOut);
      assertThat(result(cOut, "unreachable"))
          .startsWith("calls=2 blocked=conversation_cap_usd/conv-unreachable");
      assertThat(cOut.stream().filter(l -> l.contains("cannot ask the receiver at")).count())
          .isEqualTo(1);
      assertThat(cOut.stream().filter(l -> l.contains("failing open")).count()).isEqualTo(1);

      // The receiver's view of the shared conversation: both JVMs' spend, one cap.
      JsonNode shared =
          JSON.readTree(get(receiver + "/api/v1/conversations/shared-1")).get("budget");
      assertThat(shared.get("spent_usd").asText()).isEqualTo("0.0031328");
      assertThat(shared.get("llm_calls").asLong()).isEqualTo(2);
      assertThat(shared.get("cap_usd").asText()).isEqualTo("0.0035");

      // Webhook: one delivery per (conversation, limit): shared-1 was blocked twice (A and B).
      assertThat(threeDelivered.await(60, TimeUnit.SECONDS)).as("webhook deliveries").isTrue();
      List<String> delivered = new ArrayList<>();
      for (int i = 0; i < hookBodies.size(); i++) {
        assertThat(hookSignatures.get(i)).isEqualTo("sha256=" + hmac(hookBodies.get(i)));
        JsonNode n = JSON.readTree(hookBodies.get(i));
        delivered.add(
            n.get("conversation_id").asText()
                + " "
                + n.get("limit").asText()
                + " "
                + n.get("action").asText()
                + " "
                + n.get("source").asText());
      }
      assertThat(delivered)
          .containsExactlyInAnyOrder(
              "shared-1 conversation_cap_usd block agent",
              "conv-r1 conversation_cap_usd block agent",
              "conv-unreachable conversation_cap_usd block agent");
      String metrics = get(receiver + "/metrics");
      assertThat(metrics)
          .contains(
              "costtrace_budget_events_total{limit=\"conversation_cap_usd\",action=\"block\",source=\"agent\"} 4");
    } finally {
      serve.close(); // SIGTERM: drain and flush
      hook.stop(0);
    }
    // Stored and listed: four blocks (A twice, B, C), the newest first.
    List<String> events = new ArrayList<>();
    for (JsonNode e : serve.report("--budget-events")) {
      events.add(
          e.get("conversation_id").asText()
              + " "
              + e.get("action").asText()
              + " "
              + e.get("limit_value").asText());
    }
    assertThat(events)
        .containsExactlyInAnyOrder(
            "shared-1 block 0.0035",
            "shared-1 block 0.0035",
            "conv-r1 block 0.0035",
            "conv-unreachable block 0.0035");
  }

  static String hmac(byte[] body) throws Exception {
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(SECRET.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
    StringBuilder hex = new StringBuilder();
    for (byte b : mac.doFinal(body)) {
      hex.append(String.format("%02x", b));
    }
    return hex.toString();
  }

  /** Replaces the file atomically (a new inode: the reload sees the change within its interval). */
  static void write(Path file, String text) throws IOException {
    Path tmp = Files.createTempFile(file.getParent(), "rules", ".tmp");
    Files.writeString(tmp, text);
    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  static String get(String url) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(url)).GET().build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
    return r.body();
  }

  Process app(String receiver, List<String> jvmArgs, VendorReplayServer vendor, String... scenarios)
      throws IOException {
    List<String> args =
        new ArrayList<>(List.of(vendor.baseUrl("127.0.0.1"), vendor.anthropicBaseUrl()));
    args.addAll(List.of(scenarios));
    List<String> cmd =
        AgentProcess.command(
            System.getProperty("costtrace.agent.jar"),
            receiver,
            AgentProcess.fullClasspath(),
            jvmArgs,
            BudgetTestApp.class,
            args.toArray(new String[0]));
    return new ProcessBuilder(cmd).redirectErrorStream(true).start();
  }

  /** Reads the app's output until a line starts with {@code prefix}. */
  static void awaitLine(Process p, List<String> lines, String prefix) throws IOException {
    BufferedReader r = reader(p);
    for (String l; (l = r.readLine()) != null; ) {
      lines.add(l);
      if (l.startsWith(prefix)) {
        return;
      }
    }
    throw new AssertionError("the app ended before '" + prefix + "':\n" + String.join("\n", lines));
  }

  /** Reads the rest of the app's output and checks it exited cleanly. */
  static void finish(Process p, List<String> lines) throws Exception {
    BufferedReader r = reader(p);
    for (String l; (l = r.readLine()) != null; ) {
      lines.add(l);
    }
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(String.join("\n", lines)).isZero();
  }

  private static final java.util.Map<Process, BufferedReader> READERS =
      new java.util.concurrent.ConcurrentHashMap<>();

  private static BufferedReader reader(Process p) {
    return READERS.computeIfAbsent(
        p,
        k -> new BufferedReader(new InputStreamReader(k.getInputStream(), StandardCharsets.UTF_8)));
  }

  static String result(List<String> lines, String scenario) {
    return AgentProcess.result(lines, scenario);
  }
}
