package dev.costtrace.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.exporter.internal.otlp.traces.TraceRequestMarshaler;
import io.opentelemetry.sdk.resources.Resource;
import io.opentelemetry.sdk.testing.exporter.InMemorySpanExporter;
import io.opentelemetry.sdk.trace.SdkTracerProvider;
import io.opentelemetry.sdk.trace.export.SimpleSpanProcessor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PriceCommandTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  private record Run(int exit, List<JsonNode> lines, String err) {}

  private static Run run(String... args) throws IOException {
    CliRun.Result r = CliRun.execute(args);
    List<JsonNode> lines = new ArrayList<>();
    for (String line : r.out().split("\n")) {
      if (!line.isBlank()) {
        lines.add(JSON.readTree(line));
      }
    }
    return new Run(r.exit(), lines, r.err());
  }

  @Test
  void pricesOneCallWithOtelSemantics() throws IOException {
    // 12000 input incl. 8000 cached, 900 output: 4000 × 2.50 + 8000 × 1.25 + 900 × 10 per million
    Run r =
        run(
            "price",
            "--model",
            "gpt-4o",
            "--provider",
            "openai",
            "--input-tokens",
            "12000",
            "--cache-read-tokens",
            "8000",
            "--output-tokens",
            "900",
            "--at",
            "2026-01-01T00:00:00Z");
    assertThat(r.exit).isZero();
    JsonNode o = r.lines.get(0);
    assertThat(o.get("model").asText()).isEqualTo("gpt-4o");
    assertThat(o.get("provider").asText()).isEqualTo("openai");
    assertThat(o.get("status").asText()).isEqualTo("PRICED");
    assertThat(o.get("total_usd").asText()).isEqualTo("0.029000000000");
    assertThat(o.get("cost_usd").get("cache_read").asText()).isEqualTo("0.010000000000");
    assertThat(o.get("tokens").get("input_uncached").asLong()).isEqualTo(4000);
    assertThat(o.get("reason").asText()).startsWith("priced with openai/gpt-4o");
  }

  @Test
  void priceAtADateBeforeAPriceChange() throws IOException {
    Run r =
        run(
            "price",
            "--model",
            "o3",
            "--input-tokens",
            "1000000",
            "--output-tokens",
            "0",
            "--at",
            "2025-05-01T00:00:00Z");
    assertThat(r.lines.get(0).get("total_usd").asText()).isEqualTo("10.000000000000");
  }

  @Test
  void unknownModelIsReportedNotZero() throws IOException {
    Run r = run("price", "--model", "acme-llm-9", "--input-tokens", "10", "--output-tokens", "10");
    assertThat(r.exit).isZero();
    assertThat(r.lines.get(0).get("status").asText()).isEqualTo("UNKNOWN_MODEL");
    assertThat(r.lines.get(0).get("reason").asText()).contains("acme-llm-9");
  }

  @Test
  void cacheLargerThanInputIsBadInput() throws IOException {
    Run r =
        run(
            "price",
            "--model",
            "gpt-4o",
            "--input-tokens",
            "10",
            "--cache-read-tokens",
            "20",
            "--output-tokens",
            "1");
    assertThat(r.exit).isEqualTo(2);
    assertThat(r.err)
        .contains("--cache-read-tokens + --cache-write-tokens (20) exceed --input-tokens (10)");
  }

  @Test
  void badAtIsBadInput() throws IOException {
    Run r =
        run(
            "price",
            "--model",
            "gpt-4o",
            "--input-tokens",
            "10",
            "--output-tokens",
            "1",
            "--at",
            "yesterday");
    assertThat(r.exit).isEqualTo(2);
    assertThat(r.err).contains("--at: 'yesterday' is not an ISO-8601 instant");
  }

  /**
   * The OpenTelemetry SDK's own OTLP/JSON encoding (the marshaler its exporters use, hex IDs), one
   * export request per line as the collector's file exporter writes.
   */
  @Test
  void pricesTheSdksOtlpJsonOutput() throws IOException {
    InMemorySpanExporter exported = InMemorySpanExporter.create();
    SdkTracerProvider provider =
        SdkTracerProvider.builder()
            .setResource(
                Resource.getDefault().toBuilder().put("service.name", "support-bot").build())
            .addSpanProcessor(SimpleSpanProcessor.create(exported))
            .build();
    Tracer tracer = provider.get("test");
    Span root = tracer.spanBuilder("POST /chat").startSpan();
    Span llm;
    Span tool;
    Span plain;
    try (var scope = root.makeCurrent()) {
      llm = tracer.spanBuilder("chat claude-sonnet-4-5").startSpan();
      llm.setAttribute("gen_ai.provider.name", "anthropic");
      llm.setAttribute("gen_ai.operation.name", "chat");
      llm.setAttribute("gen_ai.request.model", "claude-sonnet-4-5");
      llm.setAttribute(AttributeKey.longKey("gen_ai.usage.input_tokens"), 10000L);
      llm.setAttribute(AttributeKey.longKey("gen_ai.usage.cache_read.input_tokens"), 6000L);
      llm.setAttribute(AttributeKey.longKey("gen_ai.usage.cache_creation.input_tokens"), 2000L);
      llm.setAttribute(AttributeKey.longKey("gen_ai.usage.output_tokens"), 1000L);
      llm.setAttribute("gen_ai.conversation.id", "conv-7");
      llm.end();
      tool = tracer.spanBuilder("execute_tool web_search").startSpan();
      tool.setAttribute("gen_ai.operation.name", "execute_tool");
      tool.setAttribute("gen_ai.tool.name", "web_search");
      tool.end();
      plain = tracer.spanBuilder("SELECT").startSpan();
      plain.end();
    }
    root.end();
    provider.forceFlush().join(5, java.util.concurrent.TimeUnit.SECONDS);
    var spans = exported.getFinishedSpanItems();
    provider.close();
    assertThat(spans).hasSize(4);
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    TraceRequestMarshaler.create(spans.subList(0, 2)).writeJsonTo(bytes);
    bytes.write('\n');
    TraceRequestMarshaler.create(spans.subList(2, spans.size())).writeJsonTo(bytes);
    bytes.write('\n');
    Path file = dir.resolve("traces.jsonl");
    Files.write(file, bytes.toByteArray());
    assertThat(Files.readAllLines(file).size()).isGreaterThanOrEqualTo(2);

    Run r = run("price", "--otlp-json", file.toString());
    assertThat(r.err).isEmpty();
    assertThat(r.exit).isZero();
    assertThat(r.lines).hasSize(2);
    JsonNode l =
        r.lines.stream()
            .filter(n -> n.has("model") && n.get("model").asText().startsWith("claude"))
            .findFirst()
            .orElseThrow();
    assertThat(l.get("trace_id").asText()).isEqualTo(llm.getSpanContext().getTraceId());
    assertThat(l.get("span_id").asText()).isEqualTo(llm.getSpanContext().getSpanId());
    assertThat(l.get("service").asText()).isEqualTo("support-bot");
    assertThat(l.get("conversation_id").asText()).isEqualTo("conv-7");
    assertThat(l.get("total_usd").asText()).isEqualTo("0.030300000000");
    JsonNode t = r.lines.stream().filter(n -> n.has("tool")).findFirst().orElseThrow();
    assertThat(t.get("span_id").asText()).isEqualTo(tool.getSpanContext().getSpanId());
    assertThat(t.get("total_usd").asText()).isEqualTo("0.010000000000");
  }

  @Test
  void badLineIsNamedAndOtherLinesStillPriced() throws IOException {
    String good =
        "{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[{\"traceId\":\"5b8efff798038103d269b633813fc60c\","
            + "\"spanId\":\"eee19b7ec3c1b174\",\"name\":\"chat\",\"startTimeUnixNano\":\"1767225600000000000\","
            + "\"attributes\":[{\"key\":\"gen_ai.request.model\",\"value\":{\"stringValue\":\"gpt-4o-mini\"}},"
            + "{\"key\":\"gen_ai.usage.input_tokens\",\"value\":{\"intValue\":\"1000000\"}}]}]}]}]}";
    String badId =
        good.replace("5b8efff798038103d269b633813fc60c", "zzzzfff798038103d269b633813fc60c");
    Path file = dir.resolve("mixed.jsonl");
    Files.writeString(
        file,
        good + "\n{\"resourceSpans\": [\n" + badId + "\n\n" + good + "\n",
        StandardCharsets.UTF_8);
    Run r = run("price", "--otlp-json", file.toString());
    assertThat(r.exit).isEqualTo(2);
    assertThat(r.lines).hasSize(2);
    assertThat(r.lines.get(0).get("total_usd").asText()).isEqualTo("0.150000000000");
    assertThat(r.lines.get(0).get("trace_id").asText())
        .isEqualTo("5b8efff798038103d269b633813fc60c");
    assertThat(r.err).contains("line 2: ");
    assertThat(r.err)
        .contains(
            "line 3: resourceSpans[0].scopeSpans[0].spans[0].traceId: "
                + "'zzzzfff798038103d269b633813fc60c' is not hex");
  }

  @Test
  void prettyPrintedSingleDocument() throws IOException {
    Path file = dir.resolve("pretty.json");
    Files.writeString(
        file,
        "{\n  \"resourceSpans\": [ {\n    \"scopeSpans\": [ { \"spans\": [ {\n"
            + "      \"traceId\": \"5B8EFFF798038103D269B633813FC60C\", \"spanId\": \"EEE19B7EC3C1B174\",\n"
            + "      \"kind\": 3, \"startTimeUnixNano\": 1767225600000000000,\n"
            + "      \"attributes\": [ {\"key\": \"gen_ai.system\", \"value\": {\"stringValue\": \"openai\"}},\n"
            + "        {\"key\": \"gen_ai.request.model\", \"value\": {\"stringValue\": \"gpt-4o\"}},\n"
            + "        {\"key\": \"gen_ai.usage.prompt_tokens\", \"value\": {\"intValue\": 1000}},\n"
            + "        {\"key\": \"gen_ai.usage.completion_tokens\", \"value\": {\"doubleValue\": 500.0}} ]\n"
            + "    } ] } ] } ] }\n");
    Run r = run("price", "--otlp-json", file.toString());
    assertThat(r.err).isEmpty();
    assertThat(r.lines).hasSize(1);
    assertThat(r.lines.get(0).get("trace_id").asText())
        .isEqualTo("5b8efff798038103d269b633813fc60c");
    assertThat(r.lines.get(0).get("total_usd").asText()).isEqualTo("0.007500000000");
  }

  @Test
  void missingFileIsBadInput() throws IOException {
    Run r = run("price", "--otlp-json", dir.resolve("nope.json").toString());
    assertThat(r.exit).isEqualTo(2);
    assertThat(r.err).contains("nope.json: cannot be read");
  }
}
