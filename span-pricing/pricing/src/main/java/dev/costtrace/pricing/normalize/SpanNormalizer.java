package dev.costtrace.pricing.normalize;

import dev.costtrace.pricing.TokenUsage;
import io.opentelemetry.proto.common.v1.AnyValue;
import io.opentelemetry.proto.common.v1.KeyValue;
import java.math.BigDecimal;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Reads one span's attributes, of whichever convention its emitter used, into a {@link
 * NormalizedSpan}: the pricing facts, the attribution ({@link AttributionKeys}), the error type and
 * a stream's time to first token. The one place that reads span attributes: one pass over them, no
 * regular expressions, one hash look-up per attribute for the configurable attribution keys.
 *
 * <p>Token semantics are explicit per convention. OpenTelemetry GenAI (current and deprecated
 * names), OpenLLMetry, OpenInference, OpenLIT and Spring AI report input <em>including</em> cache
 * reads and writes and output <em>including</em> reasoning; the normaliser subtracts to get
 * disjoint classes. LangChain4j's bare {@code input_tokens} for Anthropic is Anthropic's raw count,
 * which <em>excludes</em> cache tokens. Should an inclusive count still be smaller than its cache
 * parts (an emitter that passed a raw Anthropic count through an OTel name), the count is taken as
 * exclusive rather than going negative.
 *
 * <p>A resource's attributes are read once for all the spans under it ({@link #resource}); the
 * span's own values win over the resource's, except that a resource's attribution value wins a
 * field when its key is strictly more preferred.
 */
public final class SpanNormalizer {
  /** Larger token counts than this in one span are not plausible: reject, don't price. */
  static final long MAX_TOKENS = 10_000_000_000L;

  /**
   * Where emitters put a stream's time to first token: CostTrace's agent in nanoseconds, others in
   * seconds (OpenLIT's name, and the GenAI stream name).
   */
  static final String TIME_TO_FIRST_TOKEN_NANOS_KEY = "costtrace.gen_ai.time_to_first_token_ns";

  static final String TIME_TO_FIRST_TOKEN_SECONDS_KEY = "gen_ai.server.time_to_first_token";
  static final String TIME_TO_FIRST_CHUNK_SECONDS_KEY = "gen_ai.response.time_to_first_chunk";

  private static final SpanNormalizer DEFAULT = new SpanNormalizer(AttributionKeys.defaults());
  private static final ResourceFacts NO_RESOURCE = DEFAULT.resource(List.of());

  private final AttributionKeys keys;

  private SpanNormalizer(AttributionKeys keys) {
    this.keys = keys;
  }

  /** A normaliser whose attribution reads {@code keys}. */
  public static SpanNormalizer of(AttributionKeys keys) {
    return new SpanNormalizer(keys);
  }

  /** The normaliser with the default attribution keys. */
  public static SpanNormalizer defaults() {
    return DEFAULT;
  }

  /**
   * Normalises a span with the default attribution keys.
   *
   * @param spanAttributes the span's attributes
   * @param resourceAttributes its resource's attributes (provider or model may live there)
   * @param startEpochNanos the span's start
   */
  public static NormalizedSpan normalize(
      List<KeyValue> spanAttributes, List<KeyValue> resourceAttributes, long startEpochNanos) {
    ResourceFacts resource =
        resourceAttributes.isEmpty() ? NO_RESOURCE : DEFAULT.resource(resourceAttributes);
    return DEFAULT.read(spanAttributes, resource, startEpochNanos);
  }

  /** What a resource's attributes say, read once for all of its spans. */
  public ResourceFacts resource(List<KeyValue> resourceAttributes) {
    Reader r = new Reader(keys, null);
    for (int i = 0, n = resourceAttributes.size(); i < n; i++) {
      KeyValue kv = resourceAttributes.get(i);
      r.read(kv.getKey(), kv.getValue());
    }
    return new ResourceFacts(r, keys);
  }

  /**
   * Normalises a span under a resource read by this normaliser.
   *
   * @param spanAttributes the span's attributes
   * @param resource its resource, from {@link #resource}
   * @param startEpochNanos the span's start
   */
  public NormalizedSpan read(
      List<KeyValue> spanAttributes, ResourceFacts resource, long startEpochNanos) {
    if (resource.keys != keys) {
      throw new IllegalArgumentException("a resource read by another normaliser");
    }
    Reader r = new Reader(keys, resource.reader);
    for (int i = 0, n = spanAttributes.size(); i < n; i++) {
      KeyValue kv = spanAttributes.get(i);
      r.read(kv.getKey(), kv.getValue());
    }
    return r.build(startEpochNanos);
  }

  /** A resource's attributes as read by {@link #resource}: never changed afterwards. */
  public static final class ResourceFacts {
    private final Reader reader;
    private final AttributionKeys keys;

    private ResourceFacts(Reader reader, AttributionKeys keys) {
      this.reader = reader;
      this.keys = keys;
    }
  }

  /** Accumulates what the attributes say; -1 means "not reported". */
  private static final class Reader {
    private final AttributionKeys keys;

    /** The resource's reader while reading a span; null while reading the resource. */
    private final Reader resource;

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

    /** Attribution values and their keys' ranks per field; null until a key is seen. */
    String[] attribution;

    int[] attributionRanks;
    String errorType;
    AnyValue ttftNanos;
    AnyValue ttftSeconds;
    AnyValue ttftChunk;
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

    /** A span's reader starts from its resource's facts; a resource's from nothing. */
    Reader(AttributionKeys keys, Reader resource) {
      this.keys = keys;
      this.resource = resource;
      if (resource != null) {
        provider = resource.provider;
        system = resource.system;
        serverAddress = resource.serverAddress;
        serverPort = resource.serverPort;
        requestModel = resource.requestModel;
        responseModel = resource.responseModel;
        operation = resource.operation;
        spanKind = resource.spanKind;
        toolName = resource.toolName;
        toolUnits = resource.toolUnits;
        serviceTier = resource.serviceTier;
        inputInclusive = resource.inputInclusive;
        inputExclusive = resource.inputExclusive;
        output = resource.output;
        total = resource.total;
        cacheRead = resource.cacheRead;
        cacheWrite = resource.cacheWrite;
        cacheWrite5m = resource.cacheWrite5m;
        cacheWrite1h = resource.cacheWrite1h;
        reasoning = resource.reasoning;
        audioInput = resource.audioInput;
        audioOutput = resource.audioOutput;
        invalid = resource.invalid;
        providedCost = resource.providedCost;
      }
    }

    void read(String key, AnyValue v) {
      int[] slot = keys.slot(key);
      if (slot != null) {
        attribute(slot, v);
      }
      if (resource != null) {
        // What only a span's own attributes say, the first occurrence of each key.
        switch (key) {
          case "error.type":
            if (errorType == null) {
              errorType = text(v);
            }
            return;
          case TIME_TO_FIRST_TOKEN_NANOS_KEY:
            ttftNanos = ttftNanos == null ? v : ttftNanos;
            return;
          case TIME_TO_FIRST_TOKEN_SECONDS_KEY:
            ttftSeconds = ttftSeconds == null ? v : ttftSeconds;
            return;
          case TIME_TO_FIRST_CHUNK_SECONDS_KEY:
            ttftChunk = ttftChunk == null ? v : ttftChunk;
            return;
          default:
            break;
        }
      }
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

    /** A value for the fields its key may fill, where its rank beats what was seen. */
    private void attribute(int[] slot, AnyValue v) {
      String value = null;
      for (int j = 0; j < slot.length; j += 2) {
        int field = slot[j];
        int rank = slot[j + 1];
        if (attribution == null || rank < attributionRanks[field]) {
          if (value == null) {
            value = text(v);
          }
          if (value.isEmpty()) {
            return; // an empty value does not count
          }
          if (attribution == null) {
            attribution = new String[Attribution.FIELDS];
            attributionRanks = new int[Attribution.FIELDS];
            Arrays.fill(attributionRanks, Integer.MAX_VALUE);
          }
          attribution[field] = value;
          attributionRanks[field] = rank;
        }
      }
    }

    /** The span's attribution, a resource value winning a field only with a better rank. */
    private Attribution attribution() {
      String[] own = attribution;
      String[] res = resource.attribution;
      if (own == null && res == null) {
        return Attribution.NONE; // most spans carry no attribution key
      }
      String[] values = new String[Attribution.FIELDS];
      for (int f = 0; f < Attribution.FIELDS; f++) {
        int ownRank = own == null ? Integer.MAX_VALUE : attributionRanks[f];
        int resRank = res == null ? Integer.MAX_VALUE : resource.attributionRanks[f];
        String value = resRank < ownRank ? res[f] : own == null ? null : own[f];
        values[f] = value == null ? "" : value;
      }
      return new Attribution(values[0], values[1], values[2], values[3]);
    }

    /** A streamed call's time to first token in nanoseconds; -1 when the span has none. */
    private long timeToFirstTokenNanos() {
      double nanos = number(ttftNanos);
      if (nanos >= 0 && nanos < 86_400e9) {
        return (long) nanos;
      }
      long fromSeconds = fromSeconds(ttftSeconds);
      return fromSeconds >= 0 ? fromSeconds : fromSeconds(ttftChunk);
    }

    private static long fromSeconds(AnyValue v) {
      double seconds = number(v);
      return seconds >= 0 && seconds < 86_400 ? Math.round(seconds * 1e9) : -1;
    }

    /** A value as a number (double, integer or numeric string), or NaN. */
    private static double number(AnyValue v) {
      if (v == null) {
        return Double.NaN;
      }
      switch (v.getValueCase()) {
        case DOUBLE_VALUE:
          return v.getDoubleValue();
        case INT_VALUE:
          return v.getIntValue();
        case STRING_VALUE:
          try {
            return Double.parseDouble(v.getStringValue());
          } catch (NumberFormatException e) {
            return Double.NaN;
          }
        default:
          return Double.NaN;
      }
    }

    /** A value as attribution and error types take it: strings as they are, integers in decimal. */
    private static String text(AnyValue v) {
      switch (v.getValueCase()) {
        case STRING_VALUE:
          return v.getStringValue();
        case INT_VALUE:
          return Long.toString(v.getIntValue());
        default:
          return "";
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
          attribution(),
          errorType == null ? "" : errorType,
          timeToFirstTokenNanos(),
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
