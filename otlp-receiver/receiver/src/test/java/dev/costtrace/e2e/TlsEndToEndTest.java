package dev.costtrace.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.costtrace.testing.SelfSignedCert;
import io.opentelemetry.exporter.otlp.http.trace.OtlpHttpSpanExporter;
import io.opentelemetry.exporter.otlp.trace.OtlpGrpcSpanExporter;
import io.opentelemetry.sdk.trace.export.SpanExporter;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS from PEM files on both ports: SDK exporters that trust the certificate deliver; plain text
 * and untrusting clients fail.
 */
class TlsEndToEndTest {
  @TempDir Path dir;
  ReceiverFixture fixture;
  SelfSignedCert cert;

  @BeforeEach
  void start() throws Exception {
    cert = SelfSignedCert.create(dir);
    fixture =
        new ReceiverFixture(dir.resolve("buffer"), b -> b.tls(cert.certFile(), cert.keyFile()));
  }

  @AfterEach
  void stop() {
    fixture.close();
  }

  static boolean export(SpanExporter exporter, String conversation) {
    return AuthEndToEndTest.export(exporter, AuthEndToEndTest.call(conversation));
  }

  long stored(String conversation) {
    return fixture
        .query("SELECT count() AS n FROM {db}.spans WHERE conversation_id = '" + conversation + "'")
        .get(0)
        .getLong("n");
  }

  @Test
  void exportersThatTrustTheCertificateDeliverOverTls() {
    int http = fixture.receiver.httpPort();
    int grpc = fixture.receiver.grpcPort();
    assertThat(
            export(
                OtlpHttpSpanExporter.builder()
                    .setEndpoint("https://localhost:" + http + "/v1/traces")
                    .setTrustedCertificates(cert.certPem())
                    .setCompression("gzip")
                    .build(),
                "conv-tls-http"))
        .isTrue();
    assertThat(
            export(
                OtlpGrpcSpanExporter.builder()
                    .setEndpoint("https://localhost:" + grpc)
                    .setTrustedCertificates(cert.certPem())
                    .build(),
                "conv-tls-grpc"))
        .isTrue();
    assertThat(stored("conv-tls-http")).isEqualTo(1);
    assertThat(stored("conv-tls-grpc")).isEqualTo(1);
  }

  @Test
  void plainTextAndUntrustingClientsFail() {
    int http = fixture.receiver.httpPort();
    int grpc = fixture.receiver.grpcPort();
    assertThat(
            export(
                OtlpHttpSpanExporter.builder()
                    .setEndpoint("http://localhost:" + http + "/v1/traces")
                    .setRetryPolicy(null)
                    .setTimeout(Duration.ofSeconds(5))
                    .build(),
                "conv-plain"))
        .isFalse();
    assertThat(
            export(
                OtlpGrpcSpanExporter.builder()
                    .setEndpoint("http://localhost:" + grpc)
                    .setRetryPolicy(null)
                    .setTimeout(Duration.ofSeconds(5))
                    .build(),
                "conv-plain"))
        .isFalse();
    assertThat(
            export(
                OtlpHttpSpanExporter.builder()
                    .setEndpoint("https://localhost:" + http + "/v1/traces")
                    .setRetryPolicy(null)
                    .setTimeout(Duration.ofSeconds(5))
                    .build(),
                "conv-plain"))
        .isFalse();
    assertThat(stored("conv-plain")).isZero();
  }
}
