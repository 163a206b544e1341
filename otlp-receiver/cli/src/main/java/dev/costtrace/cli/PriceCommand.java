package dev.costtrace.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.costtrace.config.Config;
import dev.costtrace.pricing.CostBreakdown;
import dev.costtrace.pricing.PricedSpan;
import dev.costtrace.pricing.PricingStatus;
import dev.costtrace.pricing.SpanPricer;
import dev.costtrace.pricing.TokenUsage;
import dev.costtrace.pricing.catalog.CatalogException;
import dev.costtrace.receiver.otlp.OtlpAttributes;
import dev.costtrace.receiver.otlp.OtlpJson;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import io.opentelemetry.proto.trace.v1.ResourceSpans;
import io.opentelemetry.proto.trace.v1.ScopeSpans;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code costtrace price}: prices one call given on the command line, or every LLM and tool span of
 * an OTLP/JSON file. Exit 0 when all input was read, 2 when any of it was bad (the rest is still
 * priced and printed), 1 when the price files could not be loaded.
 */
@Command(
    name = "price",
    mixinStandardHelpOptions = true,
    description = {
      "Price one LLM call, or every LLM and tool span of an OTLP/JSON file.",
      "Token counts follow OpenTelemetry semantics: input includes cache reads and writes;"
          + " output includes reasoning."
    })
public final class PriceCommand implements Callable<Integer> {
  static final int BAD_INPUT = 2;
  private static final ObjectMapper JSON = new ObjectMapper();

  @ArgGroup(exclusive = true, multiplicity = "1")
  Mode mode;

  static final class Mode {
    @ArgGroup(exclusive = false)
    Call call;

    @Option(
        names = "--otlp-json",
        paramLabel = "FILE",
        required = true,
        description =
            "OTLP/JSON ExportTraceServiceRequest file, or one request per line as the"
                + " collector's file exporter writes; - reads standard input.")
    String otlpJson;
  }

  static final class Call {
    @Option(names = "--model", required = true, description = "Model id, as the API names it.")
    String model;

    @Option(names = "--provider", description = "Provider (openai, anthropic, aws.bedrock, ...).")
    String provider = "";

    @Option(
        names = "--input-tokens",
        required = true,
        description = "All input tokens, cache included.")
    long inputTokens;

    @Option(
        names = "--output-tokens",
        required = true,
        description = "All output tokens, reasoning included.")
    long outputTokens;

    @Option(names = "--cache-read-tokens", description = "Of the input, read from cache.")
    long cacheReadTokens;

    @Option(names = "--cache-write-tokens", description = "Of the input, written to cache.")
    long cacheWriteTokens;

    @Option(names = "--reasoning-tokens", description = "Of the output, reasoning tokens.")
    long reasoningTokens;

    @Option(
        names = "--service-tier",
        description = "batch, flex, priority, ... (default: standard).")
    String serviceTier = "";

    @Option(
        names = "--at",
        paramLabel = "ISO-8601",
        description = "When the call was made (default: now).")
    String at;
  }

  @Option(names = "--tenant", description = "Tenant whose price overrides apply.")
  String tenant = "";

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    SpanPricer pricer;
    try {
      pricer =
          SpanPricer.fromConfig(
              Config.fromEnvironment()
                  .withOverrides(Map.of("costtrace.prices.reload.interval", "0")));
    } catch (CatalogException e) {
      err.println("costtrace price: " + e.getMessage());
      return 1;
    }
    try (pricer) {
      return mode.call != null
          ? priceCall(pricer, mode.call, out, err)
          : priceFile(pricer, out, err);
    }
  }

  private Integer priceCall(SpanPricer pricer, Call c, PrintWriter out, PrintWriter err) {
    String problem = validate(c);
    if (problem != null) {
      err.println("costtrace price: " + problem);
      return BAD_INPUT;
    }
    Instant at;
    try {
      at = c.at == null ? Instant.now() : Instant.parse(c.at);
    } catch (DateTimeParseException e) {
      err.println(
          "costtrace price: --at: '"
              + c.at
              + "' is not an ISO-8601 instant such as"
              + " 2025-06-10T12:00:00Z");
      return BAD_INPUT;
    }
    Span span =
        Span.newBuilder()
            .setStartTimeUnixNano(at.getEpochSecond() * 1_000_000_000L + at.getNano())
            .addAllAttributes(
                List.of(
                    kv("gen_ai.provider.name", c.provider),
                    kv("gen_ai.request.model", c.model),
                    kv("gen_ai.usage.input_tokens", c.inputTokens),
                    kv("gen_ai.usage.output_tokens", c.outputTokens),
                    kv("gen_ai.usage.cache_read.input_tokens", c.cacheReadTokens),
                    kv("gen_ai.usage.cache_creation.input_tokens", c.cacheWriteTokens),
                    kv("gen_ai.usage.reasoning.output_tokens", c.reasoningTokens),
                    kv("gen_ai.request.service_tier", c.serviceTier)))
            .build();
    PricedSpan p = pricer.price(span, List.of(), tenant);
    ObjectNode o = JSON.createObjectNode();
    o.put("model", c.model);
    o.put("provider", p.provider());
    describe(o, p);
    out.println(o);
    out.flush();
    return 0;
  }

  private static String validate(Call c) {
    if (c.inputTokens < 0
        || c.outputTokens < 0
        || c.cacheReadTokens < 0
        || c.cacheWriteTokens < 0
        || c.reasoningTokens < 0) {
      return "token counts must not be negative";
    }
    if (c.cacheReadTokens + c.cacheWriteTokens > c.inputTokens) {
      return "--cache-read-tokens + --cache-write-tokens ("
          + (c.cacheReadTokens + c.cacheWriteTokens)
          + ") exceed --input-tokens ("
          + c.inputTokens
          + "), which includes them";
    }
    if (c.reasoningTokens > c.outputTokens) {
      return "--reasoning-tokens ("
          + c.reasoningTokens
          + ") exceed --output-tokens ("
          + c.outputTokens
          + "), which includes them";
    }
    return null;
  }

  private Integer priceFile(SpanPricer pricer, PrintWriter out, PrintWriter err) {
    String content;
    try {
      content = read(mode.otlpJson);
    } catch (IOException e) {
      err.println("costtrace price: " + mode.otlpJson + ": cannot be read: " + e.getMessage());
      return BAD_INPUT;
    }
    boolean bad = false;
    for (Document d : documents(content)) {
      ExportTraceServiceRequest request;
      try {
        request = OtlpJson.parseTraces(d.json);
      } catch (OtlpJson.InvalidOtlpException e) {
        err.println("costtrace price: line " + d.line + ": " + e.getMessage());
        bad = true;
        continue;
      }
      for (ResourceSpans rs : request.getResourceSpansList()) {
        List<KeyValue> resource = rs.getResource().getAttributesList();
        String service = OtlpAttributes.string(resource, "service.name");
        for (ScopeSpans ss : rs.getScopeSpansList()) {
          for (Span span : ss.getSpansList()) {
            PricedSpan p = pricer.price(span, resource, tenant);
            if (!p.isApplicable() || p.status() == PricingStatus.NO_USAGE) {
              continue;
            }
            ObjectNode o = JSON.createObjectNode();
            o.put("trace_id", OtlpJson.hex(span.getTraceId()));
            o.put("span_id", OtlpJson.hex(span.getSpanId()));
            o.put("name", span.getName());
            o.put("service", service);
            o.put("conversation_id", p.span().conversationId());
            o.put("provider", p.provider());
            o.put("model", p.span().model());
            o.put("operation", p.span().operation());
            if (!p.span().toolName().isEmpty()) {
              o.put("tool", p.span().toolName());
            }
            describe(o, p);
            out.println(o);
          }
        }
      }
    }
    out.flush();
    return bad ? BAD_INPUT : 0;
  }

  private static void describe(ObjectNode o, PricedSpan p) {
    o.put("status", p.status().name());
    o.put("reason", p.reason());
    o.put("total_usd", p.total().toPlainString());
    CostBreakdown c = p.cost();
    ObjectNode cost = o.putObject("cost_usd");
    cost.put("input", c.input().toPlainString());
    cost.put("cache_read", c.cacheRead().toPlainString());
    cost.put("cache_write", c.cacheWrite().toPlainString());
    cost.put("output", c.output().toPlainString());
    cost.put("reasoning", c.reasoning().toPlainString());
    cost.put("audio", c.audio().toPlainString());
    cost.put("request", c.request().toPlainString());
    cost.put("tool", c.tool().toPlainString());
    TokenUsage u = p.span().usage();
    ObjectNode tokens = o.putObject("tokens");
    tokens.put("input_uncached", u.uncachedInput());
    tokens.put("cache_read", u.cacheRead());
    tokens.put("cache_write", u.cacheWrite());
    tokens.put("output_visible", u.output());
    tokens.put("reasoning", u.reasoning());
    tokens.put("audio_input", u.audioInput());
    tokens.put("audio_output", u.audioOutput());
    if (p.providedCost() != null) {
      o.put("provided_usd", p.providedCost().toPlainString());
    }
    o.put("price_entry", p.priceEntry());
    o.put("prices_applied", p.pricesApplied());
    o.put("catalog_version", p.catalogVersion());
  }

  private String read(String file) throws IOException {
    if (file.equals("-")) {
      InputStream in = System.in;
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    return Files.readString(Path.of(file), StandardCharsets.UTF_8);
  }

  /**
   * One JSON document per non-blank line (the collector's file exporter), unless the first line is
   * not a whole document: then the whole input is one (pretty-printed) document.
   */
  static List<Document> documents(String content) {
    String[] lines = content.split("\n", -1);
    List<Document> docs = new ArrayList<>();
    int first = 0;
    while (first < lines.length && lines[first].isBlank()) {
      first++;
    }
    if (first == lines.length) {
      return docs;
    }
    if (!isWholeDocument(lines[first])) {
      docs.add(new Document(first + 1, content));
      return docs;
    }
    for (int i = first; i < lines.length; i++) {
      if (!lines[i].isBlank()) {
        docs.add(new Document(i + 1, lines[i]));
      }
    }
    return docs;
  }

  private static boolean isWholeDocument(String line) {
    try {
      return JSON.readTree(line) != null;
    } catch (IOException e) {
      return false;
    }
  }

  private static KeyValue kv(String key, String value) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setValue(AnyValue.newBuilder().setStringValue(value))
        .build();
  }

  private static KeyValue kv(String key, long value) {
    return KeyValue.newBuilder()
        .setKey(key)
        .setValue(AnyValue.newBuilder().setIntValue(value))
        .build();
  }

  record Document(int line, String json) {}
}
