package dev.costtrace.bench.pricing;

import dev.costtrace.pricing.PricedSpan;
import dev.costtrace.pricing.SpanPricer;
import dev.costtrace.pricing.catalog.PriceCatalog;
import dev.costtrace.pricing.catalog.PriceCatalogSource;
import dev.costtrace.pricing.normalize.ModelIdentity;
import dev.costtrace.pricing.normalize.NormalizedSpan;
import dev.costtrace.pricing.normalize.SpanNormalizer;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * Normalise + price a realistic mix of spans, one span per operation, beside the bare protobuf
 * decode of the same spans (what the receiver pays anyway) for a ratio measured in the same run;
 * and the catalog look-up of the mix's models without the pricer's cache, the cost of a catalog's
 * size. Each with the full bundled catalog (genai-prices, 1,694 models) and with the 77-model
 * catalog bundled before it ({@code legacy-77-models.json}).
 *
 * <p>Mix: OpenAI chat with cached input and reasoning, Anthropic with cache writes above the
 * long-context tier, a Bedrock cross-region profile, Gemini, an embedding, a tool call, an unknown
 * model, and two plain non-LLM spans (HTTP server, DB) — most spans of a trace are not LLM calls.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 15, time = 2)
@Measurement(iterations = 8, time = 2)
@Fork(1)
public class SpanPricingBenchmark {
  /** {@code full}: the bundled catalog; {@code legacy-77}: the catalog bundled before it. */
  @Param({"full", "legacy-77"})
  public String catalog;

  private SpanPricer pricer;
  private PriceCatalog prices;
  private final ModelIdentity identity = new ModelIdentity(Map.of());
  private Span[] spans;
  private byte[][] encoded;
  private String[][] models;
  private int next;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    pricer = SpanPricer.builder().source(source(catalog)).build();
    prices = pricer.tables().catalog();
    long start = 1_767_225_600_000_000_000L;
    List<Span> mix = new ArrayList<>();
    mix.add(
        span(
            start,
            "gen_ai.provider.name",
            "openai",
            "gen_ai.operation.name",
            "chat",
            "gen_ai.request.model",
            "gpt-4o",
            "gen_ai.response.model",
            "gpt-4o-2024-08-06",
            "gen_ai.usage.input_tokens",
            12000L,
            "gen_ai.usage.cache_read.input_tokens",
            8000L,
            "gen_ai.usage.output_tokens",
            900L,
            "gen_ai.response.id",
            "chatcmpl-abc123",
            "gen_ai.response.finish_reasons",
            "stop",
            "server.address",
            "api.openai.com",
            "gen_ai.conversation.id",
            "conv-8f2a"));
    mix.add(
        span(
            start,
            "gen_ai.provider.name",
            "openai",
            "gen_ai.operation.name",
            "chat",
            "gen_ai.request.model",
            "o4-mini",
            "gen_ai.usage.input_tokens",
            3000L,
            "gen_ai.usage.output_tokens",
            5000L,
            "gen_ai.usage.reasoning.output_tokens",
            4000L,
            "openai.response.service_tier",
            "default"));
    mix.add(
        span(
            start,
            "gen_ai.provider.name",
            "anthropic",
            "gen_ai.operation.name",
            "chat",
            "gen_ai.request.model",
            "claude-sonnet-4-5-20250929",
            "gen_ai.usage.input_tokens",
            240000L,
            "gen_ai.usage.cache_read.input_tokens",
            200000L,
            "gen_ai.usage.cache_creation.input_tokens",
            30000L,
            "gen_ai.usage.output_tokens",
            2000L));
    mix.add(
        span(
            start,
            "gen_ai.system",
            "aws.bedrock",
            "gen_ai.operation.name",
            "chat",
            "gen_ai.request.model",
            "us.anthropic.claude-3-5-sonnet-20241022-v2:0",
            "gen_ai.usage.input_tokens",
            1500L,
            "gen_ai.usage.output_tokens",
            300L));
    mix.add(
        span(
            start,
            "gen_ai.system",
            "gcp.gemini",
            "gen_ai.operation.name",
            "generate_content",
            "gen_ai.request.model",
            "gemini-2.5-flash",
            "gen_ai.usage.input_tokens",
            4000L,
            "gen_ai.usage.output_tokens",
            700L));
    mix.add(
        span(
            start,
            "gen_ai.provider.name",
            "openai",
            "gen_ai.operation.name",
            "embeddings",
            "gen_ai.request.model",
            "text-embedding-3-small",
            "gen_ai.usage.input_tokens",
            800L));
    mix.add(
        span(
            start,
            "gen_ai.operation.name",
            "execute_tool",
            "gen_ai.tool.name",
            "web_search",
            "gen_ai.tool.call.id",
            "call_123"));
    mix.add(
        span(
            start,
            "gen_ai.provider.name",
            "openai",
            "gen_ai.request.model",
            "ft:gpt-4o:acme::x1",
            "gen_ai.usage.input_tokens",
            100L,
            "gen_ai.usage.output_tokens",
            10L));
    mix.add(
        span(
            start,
            "http.request.method",
            "POST",
            "url.path",
            "/v1/chat",
            "http.route",
            "/v1/chat",
            "http.response.status_code",
            200L,
            "server.address",
            "api.example.com"));
    mix.add(
        span(
            start,
            "db.system.name",
            "postgresql",
            "db.query.text",
            "SELECT * FROM users WHERE id = $1",
            "db.namespace",
            "app"));
    spans = mix.toArray(new Span[0]);
    encoded = new byte[spans.length][];
    List<String[]> llm = new ArrayList<>();
    for (int i = 0; i < spans.length; i++) {
      encoded[i] = spans[i].toByteArray();
      NormalizedSpan n = SpanNormalizer.normalize(spans[i].getAttributesList(), List.of(), start);
      if (!n.model().isEmpty()) {
        llm.add(new String[] {n.provider(), n.model()});
      }
    }
    models = llm.toArray(new String[0][]);
  }

  /** The bundled catalog, or the 77-model one bundled before it, alone. */
  static PriceCatalogSource source(String catalog) throws IOException {
    if (catalog.equals("full")) {
      return PriceCatalogSource.builder().reloadInterval(Duration.ZERO).build();
    }
    Path file = Files.createTempFile("legacy-77-models", ".json");
    file.toFile().deleteOnExit();
    try (InputStream in = SpanPricingBenchmark.class.getResourceAsStream("legacy-77-models.json")) {
      Files.write(file, in.readAllBytes());
    }
    return PriceCatalogSource.builder()
        .bundled(false)
        .addCatalogFile(file)
        .reloadInterval(Duration.ZERO)
        .build();
  }

  private static Span span(long start, Object... kv) {
    Span.Builder b =
        Span.newBuilder()
            .setName("op")
            .setStartTimeUnixNano(start)
            .setEndTimeUnixNano(start + 1_000_000_000L);
    for (int i = 0; i < kv.length; i += 2) {
      AnyValue.Builder v = AnyValue.newBuilder();
      if (kv[i + 1] instanceof Long) {
        v.setIntValue((Long) kv[i + 1]);
      } else {
        v.setStringValue((String) kv[i + 1]);
      }
      b.addAttributes(KeyValue.newBuilder().setKey((String) kv[i]).setValue(v));
    }
    return b.build();
  }

  /** Normalise and price one span of the mix. */
  @Benchmark
  public PricedSpan normaliseAndPrice() {
    Span s = spans[next];
    next = next + 1 == spans.length ? 0 : next + 1;
    return pricer.price(s, List.of());
  }

  /**
   * Find the catalog entry of one model of the mix, without the pricer's cache (which answers a
   * model it has seen before): what a catalog's size costs, paid once per distinct model.
   */
  @Benchmark
  public PriceCatalog.Match lookUpUncached() {
    String[] m = models[next];
    next = next + 1 == models.length ? 0 : next + 1;
    return prices.find(identity.resolve(m[0], m[1]));
  }

  /** Protobuf-decode one span of the same mix: the baseline the receiver pays in any case. */
  @Benchmark
  public void decodeOnly(Blackhole bh) throws Exception {
    byte[] b = encoded[next];
    next = next + 1 == encoded.length ? 0 : next + 1;
    bh.consume(Span.parseFrom(b));
  }
}
