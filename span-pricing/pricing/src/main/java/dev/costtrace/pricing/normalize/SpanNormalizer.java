package dev.costtrace.pricing.normalize;

import dev.costtrace.pricing.TokenUsage;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.math.BigDecimal;
import java.util.List;
import java.util.Locale;

/**
 * Reads one span's attributes, of whichever convention its emitter used, into a {@link
 * NormalizedSpan}. One pass over the attributes, no regular expressions, no maps.
 *
 * <p>Token semantics are explicit per convention. OpenTelemetry GenAI (current and deprecated
 * names), OpenLLMetry, OpenInference, OpenLIT and Spring AI report input <em>including</em> cache
 * reads and writes and output <em>including</em> reasoning; the normaliser subtracts to get
 * disjoint classes. LangChain4j's bare {@code input_tokens} for Anthropic is Anthropic's raw count,
 * which <em>excludes</em> cache tokens. Should an inclusive count still be smaller than its cache
 * parts (an emitter that passed a raw Anthropic count through an OTel name), the count is taken as
 * exclusive rather than going negative.
 */
public final class SpanNormalizer {
  /** Larger token counts than this in one span are not plausible: reject, don't price. */
  static final long MAX_TOKENS = 10_000_000_000L;

  private SpanNormalizer() {}

  /**
   * Normalises a span.
   *
   * @param spanAttributes the span's attributes
   * @param resourceAttributes its resource's attributes (provider or model may live there)
   * @param startEpochNanos the span's start
   */
  public static NormalizedSpan normalize(
      List<KeyValue> spanAttributes, List<KeyValue> resourceAttributes, long startEpochNanos) {
    Reader r = new Reader();
    for (int i = 0, n = resourceAttributes.size(); i < n; i++) {
      KeyValue kv = resourceAttributes.get(i);
      r.read(kv.getKey(), kv.getValue());
    }
    for (int i = 0, n = spanAttributes.size(); i < n; i++) {
      KeyValue kv = spanAttributes.get(i);
      r.read(kv.getKey(), kv.getValue());
    }
    return r.build(startEpochNanos);
  }

  /** Accumulates what the attributes say; -1 means "not reported". */
  private static final class Reader {
    String provider = "";
    String system = "";
    String serverAddress = "";
    long serverPort = -1;
    String requestModel = "";
    String responseModel = "";
    String operation = "";
    String spanKind = "";
    String toolName = "";
    long toolUnits = 0;
    String serviceTier = "";
    String conversationId = "";
    int conversationRank = Integer.MAX_VALUE;
    long inputInclusive = -1;
    long inputExclusive = -1;
    long output = -1;
    long total = -1;
    long cacheRead = -1;
    long cacheWrite = -1;
    long cacheWrite5m = -1;
    long cacheWrite1h = -1;
    long reasoning = -1;
    long audioInput = -1;
    long audioOutput = -1;
    String invalid;
    BigDecimal providedCost;

    void read(String key, AnyValue v) {
      switch (key) {
        // Provider
        case "gen_ai.provider.name":
          provider = string(v);
          break;
        case "gen_ai.system":
        case "llm.provider":
        case "llm.system":
        case "llm.vendor":
          if (system.isEmpty()) {
            system = string(v);
          }
          break;
        case "server.address":
          serverAddress = string(v);
          break;
        case "server.port":
          serverPort = v.hasIntValue() ? v.getIntValue() : -1;
          break;
        // Model
        case "gen_ai.response.model":
        case "llm.response.model":
          responseModel = string(v);
          break;
        case "gen_ai.request.model":
        case "llm.request.model":
        case "llm.model_name":
          if (requestModel.isEmpty() || key.startsWith("gen_ai")) {
            requestModel = string(v);
          }
          break;
        // Operation
        case "gen_ai.operation.name":
          operation = string(v).toLowerCase(Locale.ROOT);
          break;
        case "llm.request.type":
          if (operation.isEmpty()) {
            operation = operationFromRequestType(string(v));
          }
          break;
        case "openinference.span.kind":
          spanKind = string(v).toUpperCase(Locale.ROOT);
          break;
        case "gen_ai.tool.name":
        case "tool.name":
          toolName = string(v);
          break;
        case "gen_ai.tool.call.units":
        case "costtrace.tool.units":
          toolUnits = Math.max(0, tokens(key, v));
          break;
        // Service tier
        case "openai.response.service_tier":
        case "gen_ai.openai.response.service_tier":
        case "gen_ai.response.service_tier":
        case "anthropic.response.service_tier":
          serviceTier = string(v).toLowerCase(Locale.ROOT);
          break;
        case "openai.request.service_tier":
        case "gen_ai.openai.request.service_tier":
        case "gen_ai.request.service_tier":
          if (serviceTier.isEmpty()) {
            serviceTier = string(v).toLowerCase(Locale.ROOT);
          }
          break;
        // Conversation the span itself names (the receiver's attribution is richer), by the rank of
        // its key in AttributionAttributes.CONVERSATION; these cases only keep the lookup off
        // every other attribute, and a test checks they are that list.
        case "gen_ai.conversation.id":
        case "session.id":
        case "langfuse.session.id":
        case "traceloop.association.properties.conversation_id":
        case "traceloop.association.properties.session_id":
        case "spring.ai.chat.client.conversation.id":
        case "baggage.gen_ai.conversation.id":
        case "conversation.id":
          conversation(AttributionAttributes.conversationRank(key), string(v));
          break;
        // Input, inclusive of cache (OTel current and deprecated, OpenLLMetry, OpenInference)
        case "gen_ai.usage.input_tokens":
        case "gen_ai.usage.prompt_tokens":
        case "llm.usage.prompt_tokens":
        case "llm.token_count.prompt":
          inputInclusive = tokens(key, v);
          break;
        // LangChain4j observation: bare names, provider-raw semantics
        case "input_tokens":
          inputExclusive = tokens(key, v);
          break;
        case "gen_ai.usage.output_tokens":
        case "gen_ai.usage.completion_tokens":
        case "llm.usage.completion_tokens":
        case "llm.token_count.completion":
        case "output_tokens":
          output = tokens(key, v);
          break;
        case "gen_ai.usage.total_tokens":
        case "llm.usage.total_tokens":
        case "llm.token_count.total":
        case "total_tokens":
          total = tokens(key, v);
          break;
        case "gen_ai.usage.cache_read.input_tokens":
        case "gen_ai.usage.cache_read_input_tokens":
        case "llm.usage.cache_read_input_tokens":
        case "llm.token_count.prompt_details.cache_read":
        case "gen_ai.usage.input_tokens.cached":
          cacheRead = tokens(key, v);
          break;
        case "gen_ai.usage.cache_creation.input_tokens":
        case "gen_ai.usage.cache_creation_input_tokens":
        case "llm.usage.cache_creation_input_tokens":
        case "llm.token_count.prompt_details.cache_write":
          cacheWrite = tokens(key, v);
          break;
        case "gen_ai.usage.cache_creation.ephemeral_5m_input_tokens":
          cacheWrite5m = tokens(key, v);
          break;
        case "gen_ai.usage.cache_creation.ephemeral_1h_input_tokens":
          cacheWrite1h = tokens(key, v);
          break;
        case "gen_ai.usage.reasoning.output_tokens":
        case "gen_ai.usage.reasoning_tokens":
        case "gen_ai.usage.completion_tokens_details.reasoning_tokens":
        case "llm.usage.reasoning_tokens":
        case "llm.token_count.completion_details.reasoning":
          reasoning = tokens(key, v);
          break;
        case "gen_ai.usage.input_audio_tokens":
        case "llm.token_count.prompt_details.audio":
          audioInput = tokens(key, v);
          break;
        case "gen_ai.usage.output_audio_tokens":
        case "llm.token_count.completion_details.audio":
          audioOutput = tokens(key, v);
          break;
        // A cost the emitter computed: kept beside ours, never instead.
        case "gen_ai.usage.cost":
        case "gen_ai.usage.cost.amount":
        case "llm.cost.total":
          providedCost = money(v);
          break;
        default:
          break;
      }
    }

    private void conversation(int rank, String value) {
      if (rank >= 0 && rank < conversationRank && !value.isEmpty()) {
        conversationId = value;
        conversationRank = rank;
      }
    }

    NormalizedSpan build(long startEpochNanos) {
      String canonicalProvider = ProviderNames.canonical(provider.isEmpty() ? system : provider);
      if (canonicalProvider.isEmpty()) {
        canonicalProvider = ProviderNames.fromServerAddress(serverAddress, serverPort);
      }
      String op = operation;
      if (op.isEmpty()) {
        op = operationFromSpanKind(spanKind);
      }
      boolean reported =
          inputInclusive >= 0
              || inputExclusive >= 0
              || output >= 0
              || cacheRead >= 0
              || cacheWrite >= 0
              || reasoning >= 0
              || audioInput >= 0
              || audioOutput >= 0;
      TokenUsage usage = usage(canonicalProvider);
      NormalizedSpan.Kind kind;
      if (op.equals("execute_tool") || (spanKind.equals("TOOL") && !toolName.isEmpty())) {
        kind = NormalizedSpan.Kind.TOOL;
        op = "execute_tool";
      } else if (isAggregateOperation(op) || spanKind.equals("AGENT") || spanKind.equals("CHAIN")) {
        // Agent and workflow spans sum their children's usage: pricing them would count twice.
        kind = NormalizedSpan.Kind.NONE;
      } else if (reported
          || total >= 0
          || !requestModel.isEmpty()
          || !responseModel.isEmpty()
          || providedCost != null
          || invalid != null
          || isLlmOperation(op)) {
        kind = NormalizedSpan.Kind.LLM;
      } else {
        kind = NormalizedSpan.Kind.NONE;
      }
      return new NormalizedSpan(
          kind,
          canonicalProvider,
          requestModel,
          responseModel,
          op,
          toolName,
          toolUnits,
          serviceTier,
          usage,
          reported,
          !reported && total >= 0,
          invalid,
          providedCost,
          conversationId,
          startEpochNanos);
    }

    private TokenUsage usage(String canonicalProvider) {
      long read = Math.max(0, cacheRead);
      long w1h = Math.max(0, cacheWrite1h);
      long w5m;
      if (cacheWrite >= 0) {
        w5m = Math.max(0, cacheWrite - w1h);
      } else {
        w5m = Math.max(0, cacheWrite5m);
      }
      long writes = w5m + w1h;
      long uncached;
      if (inputInclusive >= 0) {
        uncached = inputInclusive - read - writes;
        if (uncached < 0) {
          // A raw (exclusive) count under an inclusive name: cache parts exceed it.
          uncached = inputInclusive;
        }
      } else if (inputExclusive >= 0) {
        // LangChain4j passes provider-raw counts: Anthropic's excludes cache, others' include it.
        uncached =
            canonicalProvider.equals("anthropic") || canonicalProvider.equals("aws")
                ? inputExclusive
                : Math.max(inputExclusive - read - writes, 0);
      } else {
        uncached = 0;
      }
      long audioIn = Math.max(0, audioInput);
      if (audioIn > 0 && uncached >= audioIn) {
        uncached -= audioIn; // audio tokens are part of the prompt total; price them as audio
      }
      long think = Math.max(0, reasoning);
      long audioOut = Math.max(0, audioOutput);
      long visible;
      if (output >= 0) {
        visible = output - think - audioOut;
        if (visible < 0) {
          // Gemini-style: output reported without thinking tokens.
          visible = Math.max(0, output - audioOut);
        }
      } else {
        visible = 0;
      }
      return new TokenUsage(uncached, read, w5m, w1h, visible, think, audioIn, audioOut);
    }

    private long tokens(String key, AnyValue v) {
      long n;
      switch (v.getValueCase()) {
        case INT_VALUE:
          n = v.getIntValue();
          break;
        case DOUBLE_VALUE:
          double d = v.getDoubleValue();
          if (Double.isNaN(d) || Double.isInfinite(d) || d != Math.rint(d)) {
            return reject(key, Double.toString(d), "not a whole number");
          }
          if (Math.abs(d) > MAX_TOKENS) {
            return reject(key, Double.toString(d), "implausibly large");
          }
          n = (long) d;
          break;
        case STRING_VALUE:
          String s = v.getStringValue().trim();
          try {
            n = Long.parseLong(s);
          } catch (NumberFormatException e) {
            return reject(key, "'" + s + "'", "not a whole number");
          }
          break;
        default:
          return reject(key, v.getValueCase().name(), "not a number");
      }
      if (n < 0) {
        return reject(key, Long.toString(n), "negative");
      }
      if (n > MAX_TOKENS) {
        return reject(key, Long.toString(n), "implausibly large");
      }
      return n;
    }

    private long reject(String key, String value, String why) {
      if (invalid == null) {
        invalid = key + "=" + value + " is " + why;
      }
      return -1;
    }

    private static String string(AnyValue v) {
      switch (v.getValueCase()) {
        case STRING_VALUE:
          return v.getStringValue();
        case INT_VALUE:
          return Long.toString(v.getIntValue());
        case DOUBLE_VALUE:
          return Double.toString(v.getDoubleValue());
        case BOOL_VALUE:
          return Boolean.toString(v.getBoolValue());
        default:
          return "";
      }
    }

    private static BigDecimal money(AnyValue v) {
      try {
        switch (v.getValueCase()) {
          case DOUBLE_VALUE:
            double d = v.getDoubleValue();
            return Double.isFinite(d) && d >= 0 ? new BigDecimal(Double.toString(d)) : null;
          case INT_VALUE:
            return v.getIntValue() >= 0 ? BigDecimal.valueOf(v.getIntValue()) : null;
          case STRING_VALUE:
            BigDecimal b = new BigDecimal(v.getStringValue().trim());
            return b.signum() >= 0 ? b : null;
          default:
            return null;
        }
      } catch (NumberFormatException e) {
        return null;
      }
    }
  }

  private static String operationFromRequestType(String requestType) {
    switch (requestType.toLowerCase(Locale.ROOT)) {
      case "chat":
        return "chat";
      case "completion":
        return "text_completion";
      case "embedding":
      case "embeddings":
        return "embeddings";
      case "rerank":
        return "rerank";
      default:
        return requestType.toLowerCase(Locale.ROOT);
    }
  }

  private static String operationFromSpanKind(String kind) {
    switch (kind) {
      case "LLM":
        return "chat";
      case "EMBEDDING":
        return "embeddings";
      case "RERANKER":
        return "rerank";
      case "TOOL":
        return "execute_tool";
      default:
        return "";
    }
  }

  private static boolean isLlmOperation(String op) {
    switch (op) {
      case "chat":
      case "text_completion":
      case "generate_content":
      case "embeddings":
      case "rerank":
        return true;
      default:
        return false;
    }
  }

  private static boolean isAggregateOperation(String op) {
    switch (op) {
      case "invoke_agent":
      case "create_agent":
      case "invoke_workflow":
      case "workflow":
      case "task":
        return true;
      default:
        return false;
    }
  }
}
