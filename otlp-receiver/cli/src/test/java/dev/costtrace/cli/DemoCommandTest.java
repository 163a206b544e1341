package dev.costtrace.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.costtrace.receiver.auth.BearerTokens;
import dev.costtrace.receiver.ingest.OtlpReceiver;
import dev.costtrace.receiver.pipeline.ExportOutcome;
import dev.costtrace.testing.SelfSignedCert;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code costtrace demo} against a receiver running on its own (as in the compose stack). */
class DemoCommandTest {
  @Test
  void sendsEveryDemoSpanToARunningReceiver() {
    AtomicLong spans = new AtomicLong();
    Set<String> conversations = new HashSet<>();
    try (OtlpReceiver receiver =
        OtlpReceiver.builder()
            .host("127.0.0.1")
            .grpcPort(0)
            .httpPort(0)
            .consumer(
                (request, tenant) -> {
                  request
                      .getResourceSpansList()
                      .forEach(
                          rs ->
                              rs.getScopeSpansList()
                                  .forEach(
                                      ss ->
                                          ss.getSpansList()
                                              .forEach(
                                                  s -> {
                                                    spans.incrementAndGet();
                                                    s.getAttributesList().stream()
                                                        .filter(
                                                            a ->
                                                                a.getKey()
                                                                    .equals(
                                                                        "gen_ai.conversation.id"))
                                                        .forEach(
                                                            a -> {
                                                              synchronized (conversations) {
                                                                conversations.add(
                                                                    a.getValue().getStringValue());
                                                              }
                                                            });
                                                  })));
                  return ExportOutcome.allAccepted();
                })
            .start()) {
      String out =
          CliRun.ok(
              "demo",
              "--endpoint",
              "http://127.0.0.1:" + receiver.httpPort() + "/",
              "--conversations",
              "12",
              "--seed",
              "3");
      assertThat(out).contains("sent 12 conversations");
      String[] words = out.substring(out.indexOf("sent 12 conversations, ")).split("[ ,]+");
      long turns = Long.parseLong(words[3]);
      long llm = Long.parseLong(words[5]);
      long tools = Long.parseLong(words[8]);
      assertThat(spans.get()).isEqualTo(turns + llm + tools);
      assertThat(conversations).hasSize(12);
    }
  }

  @Test
  void sendsWithABearerTokenOverHttpsToASecuredReceiver(@TempDir Path dir) throws Exception {
    SelfSignedCert cert = SelfSignedCert.create(dir);
    Path tokens = Files.writeString(dir.resolve("tokens"), "globex=globex-token-1\n");
    Set<String> tenants = ConcurrentHashMap.newKeySet();
    AtomicLong spans = new AtomicLong();
    try (OtlpReceiver receiver =
        OtlpReceiver.builder()
            .host("127.0.0.1")
            .grpcPort(0)
            .httpPort(0)
            .tls(cert.certFile(), cert.keyFile())
            .auth(BearerTokens.builder(tokens).build())
            .consumer(
                (request, tenant) -> {
                  tenants.add(tenant);
                  request
                      .getResourceSpansList()
                      .forEach(
                          rs ->
                              rs.getScopeSpansList()
                                  .forEach(ss -> spans.addAndGet(ss.getSpansCount())));
                  return ExportOutcome.allAccepted();
                })
            .start()) {
      Path tokenFile = Files.writeString(dir.resolve("my-token"), "\nglobex-token-1\n");
      String out =
          CliRun.ok(
              "demo",
              "--endpoint",
              "https://localhost:" + receiver.httpPort(),
              "--token-file",
              tokenFile.toString(),
              "--trust-cert",
              cert.certFile().toString(),
              "--conversations",
              "3");
      assertThat(out).contains("sent 3 conversations");
      assertThat(tenants).containsExactly("globex");
      assertThat(spans.get()).isPositive();

      CliRun.Result noToken =
          CliRun.execute(
              "demo",
              "--endpoint",
              "https://localhost:" + receiver.httpPort(),
              "--token-file",
              dir.resolve("missing").toString());
      assertThat(noToken.exit()).isEqualTo(2);
      assertThat(noToken.err()).contains("cannot read --token-file");
    }
  }

  @Test
  void badArgumentsExitTwoWithTheReason() {
    CliRun.Result r = CliRun.execute("demo", "--endpoint", "localhost:4318");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err())
        .contains("--endpoint must be an http:// or https:// URL, not 'localhost:4318'");
    r = CliRun.execute("demo", "--conversations", "0");
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).contains("--conversations must be at least 1");
  }
}
