package dev.costtrace.pricing.catalog;

import static dev.costtrace.pricing.Attrs.span;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.sun.net.httpserver.HttpServer;
import dev.costtrace.config.Config;
import dev.costtrace.pricing.PricedSpan;
import dev.costtrace.pricing.PricingStatus;
import dev.costtrace.pricing.SpanPricer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PriceCatalogSourceTest {
  private static final String ONE_MODEL =
      "[{\"id\":\"acme\",\"name\":\"Acme\",\"api_pattern\":\"x\",\"models\":[{\"id\":\"acme-1\","
          + "\"match\":{\"starts_with\":\"acme-1\"},\"prices\":{\"input_mtok\":%s,\"output_mtok\":4}}]}]";

  @TempDir Path dir;

  private static void write(Path file, String content) throws IOException {
    FileTime before = Files.exists(file) ? Files.getLastModifiedTime(file) : null;
    Files.writeString(file, content, StandardCharsets.UTF_8);
    if (before != null && Files.getLastModifiedTime(file).equals(before)) {
      Files.setLastModifiedTime(file, FileTime.from(before.toInstant().plusSeconds(1)));
    }
  }

  private static PricedSpan acme(SpanPricer pricer) {
    return pricer.price(
        span(
            "2026-11-01T00:00:00Z",
            "gen_ai.provider.name",
            "acme",
            "gen_ai.request.model",
            "acme-1",
            "gen_ai.usage.input_tokens",
            1_000_000),
        List.of());
  }

  @Test
  void userFileExtendsBundledCatalog() throws IOException {
    Path file = dir.resolve("acme.json");
    write(file, String.format(ONE_MODEL, "1"));
    try (SpanPricer pricer =
        SpanPricer.builder()
            .source(PriceCatalogSource.builder().addCatalogFile(file).build())
            .build()) {
      assertThat(acme(pricer).total()).isEqualByComparingTo("1");
      assertThat(pricer.tables().catalog().provider("openai")).isNotNull();
    }
  }

  @Test
  void userFileReplacesBundledModelOfSameId() throws IOException {
    Path file = dir.resolve("openai.json");
    write(
        file,
        "[{\"id\":\"openai\",\"name\":\"OpenAI\",\"api_pattern\":\"x\",\"models\":[{\"id\":\"gpt-4o\","
            + "\"match\":{\"equals\":\"gpt-4o\"},\"prices\":{\"input_mtok\":1.5,\"output_mtok\":6}}]}]");
    try (SpanPricer pricer =
        SpanPricer.builder()
            .source(PriceCatalogSource.builder().addCatalogFile(file).build())
            .build()) {
      PricedSpan p =
          pricer.price(
              span(
                  "2026-11-01T00:00:00Z",
                  "gen_ai.provider.name",
                  "openai",
                  "gen_ai.request.model",
                  "gpt-4o",
                  "gen_ai.usage.input_tokens",
                  1_000_000),
              List.of());
      assertThat(p.total()).isEqualByComparingTo("1.5");
      PricedSpan mini =
          pricer.price(
              span(
                  "2026-11-01T00:00:00Z",
                  "gen_ai.provider.name",
                  "openai",
                  "gen_ai.request.model",
                  "gpt-4o-mini",
                  "gen_ai.usage.input_tokens",
                  1_000_000),
              List.of());
      assertThat(mini.total()).isEqualByComparingTo("0.15");
    }
  }

  @Test
  void changedFileIsReloadedWithoutRestart() throws IOException {
    Path file = dir.resolve("acme.json");
    write(file, String.format(ONE_MODEL, "1"));
    PriceCatalogSource source = PriceCatalogSource.builder().addCatalogFile(file).build();
    try (SpanPricer pricer = SpanPricer.builder().source(source).build()) {
      String before = source.current().version();
      assertThat(acme(pricer).total()).isEqualByComparingTo("1");
      write(file, String.format(ONE_MODEL, "3"));
      assertThat(source.reloadIfChanged()).isTrue();
      assertThat(acme(pricer).total()).isEqualByComparingTo("3");
      assertThat(acme(pricer).catalogVersion()).isNotEqualTo(before);
      assertThat(source.reloadIfChanged()).isFalse();
    }
  }

  @Test
  void badFileIsRejectedAndTheOldCatalogStays() throws IOException {
    Path file = dir.resolve("acme.json");
    write(file, String.format(ONE_MODEL, "1"));
    PriceCatalogSource source = PriceCatalogSource.builder().addCatalogFile(file).build();
    try (SpanPricer pricer = SpanPricer.builder().source(source).build()) {
      write(file, String.format(ONE_MODEL, "-2"));
      assertThat(source.reloadIfChanged()).isFalse();
      assertThat(source.lastError())
          .isEqualTo(file + ": $[0].models[0].prices.input_mtok: must not be negative, got -2");
      assertThat(acme(pricer).total()).isEqualByComparingTo("1");
      write(file, "[{\"id\":\"acme\"");
      assertThat(source.reloadIfChanged()).isFalse();
      assertThat(source.lastError()).startsWith(file + ": not valid JSON");
      write(file, String.format(ONE_MODEL, "2"));
      assertThat(source.reloadIfChanged()).isTrue();
      assertThat(source.lastError()).isNull();
      assertThat(acme(pricer).total()).isEqualByComparingTo("2");
    }
  }

  @Test
  void backgroundPollingPicksUpChanges() throws Exception {
    Path file = dir.resolve("acme.json");
    write(file, String.format(ONE_MODEL, "1"));
    try (PriceCatalogSource source =
        PriceCatalogSource.builder()
            .addCatalogFile(file)
            .reloadInterval(Duration.ofMillis(20))
            .build()
            .start()) {
      write(file, String.format(ONE_MODEL, "5"));
      SpanPricer pricer = SpanPricer.builder().source(source).build();
      await("the changed file reloaded")
          .atMost(Duration.ofSeconds(10))
          .pollInterval(Duration.ofMillis(20))
          .untilAsserted(() -> assertThat(acme(pricer).total()).isEqualByComparingTo("5"));
    }
  }

  @Test
  void badFileAtStartFailsFastNamingFileAndField() throws IOException {
    Path file = dir.resolve("bad.json");
    write(
        file,
        "[{\"id\":\"x\",\"name\":\"X\",\"api_pattern\":\"x\",\"models\":[{\"id\":\"m\","
            + "\"match\":{\"sounds_like\":\"m\"},\"prices\":{}}]}]");
    assertThatThrownBy(() -> PriceCatalogSource.builder().addCatalogFile(file).build())
        .isInstanceOf(CatalogException.class)
        .hasMessage(file + ": $[0].models[0].match: unknown match clause 'sounds_like'");
  }

  @Test
  void missingFileFailsFast() {
    Path file = dir.resolve("nope.json");
    assertThatThrownBy(() -> PriceCatalogSource.builder().addCatalogFile(file).build())
        .hasMessage(file + ": no such file");
  }

  @Test
  void aFullGenaiPricesFileWorksAsAUserLayer() throws IOException {
    Path file = Files.write(dir.resolve("data.json"), PriceCatalogSource.bundledCatalog());
    try (SpanPricer pricer =
        SpanPricer.builder()
            .source(PriceCatalogSource.builder().bundled(false).addCatalogFile(file).build())
            .build()) {
      assertThat(pricer.tables().catalog().modelCount()).isGreaterThan(1500);
      // A dated price change, and daily peak windows (time-of-day constraints) after it.
      Object[] kv = {
        "gen_ai.provider.name",
        "deepseek",
        "gen_ai.request.model",
        "deepseek-v4-flash",
        "gen_ai.usage.input_tokens",
        1_000_000
      };
      assertThat(pricer.price(span("2026-08-16T12:00:00Z", kv), List.of()).total())
          .isEqualByComparingTo("0.14");
      assertThat(pricer.price(span("2026-08-17T12:00:00Z", kv), List.of()).total())
          .isEqualByComparingTo("0.22");
      assertThat(pricer.price(span("2026-08-17T02:00:00Z", kv), List.of()).total())
          .isEqualByComparingTo("0.44");
      assertThat(pricer.price(span("2026-08-17T09:59:59Z", kv), List.of()).total())
          .isEqualByComparingTo("0.44");
      assertThat(pricer.price(span("2026-08-17T10:00:00Z", kv), List.of()).total())
          .isEqualByComparingTo("0.22");
    }
  }

  @Test
  void configuresFromEnvironmentStyleKeys() throws IOException {
    Path file = dir.resolve("acme.json");
    write(file, String.format(ONE_MODEL, "1"));
    Config config =
        Config.of(
            Map.of(),
            Map.of(
                "COSTTRACE_PRICES",
                file.toString(),
                "COSTTRACE_PRICES_RELOAD_INTERVAL",
                "0",
                "COSTTRACE_AZURE_DEPLOYMENTS",
                "chat-prod=gpt-4o-mini"));
    try (SpanPricer pricer = SpanPricer.fromConfig(config)) {
      assertThat(acme(pricer).status()).isEqualTo(PricingStatus.PRICED);
      PricedSpan azure =
          pricer.price(
              span(
                  "2026-11-01T00:00:00Z",
                  "gen_ai.provider.name",
                  "azure.ai.openai",
                  "gen_ai.request.model",
                  "chat-prod",
                  "gen_ai.usage.input_tokens",
                  1_000_000),
              List.of());
      assertThat(azure.total()).isEqualByComparingTo("0.15");
    }
  }

  @Test
  void catalogFromAUrlReplacesTheBundledBaseLayerAndIsFetchedAgainOnlyWhenChanged()
      throws IOException {
    String acme = String.format(ONE_MODEL, "1");
    try (PricesServer server = new PricesServer(acme);
        PriceCatalogSource source =
            PriceCatalogSource.builder()
                .pricesUrl(server.uri())
                .reloadInterval(Duration.ZERO)
                .build();
        SpanPricer pricer = SpanPricer.builder().source(source).build()) {
      assertThat(acme(pricer).total()).isEqualByComparingTo("1");
      assertThat(source.current().version()).startsWith("url@");
      assertThat(pricer.tables().catalog().provider("openai")).isNull(); // it replaced ours
      assertThat(source.refreshFromUrl()).isFalse(); // unchanged: 304
      assertThat(server.lastIfNoneMatch).isEqualTo(server.etag());
      server.content = String.format(ONE_MODEL, "3");
      assertThat(source.refreshFromUrl()).isTrue();
      assertThat(acme(pricer).total()).isEqualByComparingTo("3");
    }
  }

  @Test
  void aBadOrFailedFetchKeepsThePreviousCatalog() throws IOException {
    try (PricesServer server = new PricesServer(String.format(ONE_MODEL, "1"));
        PriceCatalogSource source =
            PriceCatalogSource.builder()
                .pricesUrl(server.uri())
                .reloadInterval(Duration.ZERO)
                .build();
        SpanPricer pricer = SpanPricer.builder().source(source).build()) {
      server.content = String.format(ONE_MODEL, "-2");
      assertThat(source.refreshFromUrl()).isFalse();
      assertThat(source.lastError())
          .isEqualTo(
              server.uri() + ": $[0].models[0].prices.input_mtok: must not be negative, got -2");
      server.content = "[]";
      assertThat(source.refreshFromUrl()).isFalse();
      assertThat(source.lastError()).isEqualTo(server.uri() + ": no models");
      server.status = 500;
      assertThat(source.refreshFromUrl()).isFalse();
      assertThat(source.lastError()).isEqualTo(server.uri() + ": HTTP 500");
      assertThat(acme(pricer).total()).isEqualByComparingTo("1");
    }
  }

  @Test
  void anUnreachableUrlAtStartLeavesTheBundledCatalog() throws IOException {
    URI gone;
    try (PricesServer server = new PricesServer("[]")) {
      gone = server.uri();
    }
    try (PriceCatalogSource source =
        PriceCatalogSource.builder().pricesUrl(gone).reloadInterval(Duration.ZERO).build()) {
      assertThat(source.current().version()).startsWith("bundled@");
      assertThat(source.lastError()).startsWith(gone + ": cannot be fetched");
    }
  }

  @Test
  void aUrlThatIsNotHttpFailsFastNamingTheKey() {
    Config config = Config.of(Map.of("costtrace.prices.url", "file:///tmp/prices.json"));
    assertThatThrownBy(() -> PriceCatalogSource.builder(config))
        .hasMessage(
            "Invalid value 'file:///tmp/prices.json' for costtrace.prices.url"
                + " (COSTTRACE_PRICES_URL): expected an http(s) URL");
  }

  /** A stand-in for the host of a genai-prices file: serves it with an ETag, 304 when unchanged. */
  private static final class PricesServer implements AutoCloseable {
    private final HttpServer server;
    volatile String content;
    volatile int status = 200;
    volatile String lastIfNoneMatch;

    PricesServer(String content) throws IOException {
      this.content = content;
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.createContext(
          "/data.json",
          exchange -> {
            lastIfNoneMatch = exchange.getRequestHeaders().getFirst("If-None-Match");
            byte[] body = this.content.getBytes(StandardCharsets.UTF_8);
            if (status != 200) {
              exchange.sendResponseHeaders(status, -1);
            } else if (etag().equals(lastIfNoneMatch)) {
              exchange.sendResponseHeaders(304, -1);
            } else {
              exchange.getResponseHeaders().set("ETag", etag());
              exchange.sendResponseHeaders(200, body.length);
              exchange.getResponseBody().write(body);
            }
            exchange.close();
          });
      server.start();
    }

    String etag() {
      return "\"" + Integer.toHexString(content.hashCode()) + "\"";
    }

    URI uri() {
      return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + "/data.json");
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }

  @Test
  void reloadIntervalMustNotBeNegative() {
    assertThatThrownBy(() -> PriceCatalogSource.builder().reloadInterval(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("reloadInterval must be non-negative");
  }

  @Test
  void versionIsStableForTheSameInputs() {
    String a = PriceCatalogSource.builder().build().current().version();
    String b = PriceCatalogSource.builder().build().current().version();
    assertThat(a).isEqualTo(b).matches("bundled@[0-9a-f]{12}");
    assertThat(Instant.now()).isNotNull();
  }
}
