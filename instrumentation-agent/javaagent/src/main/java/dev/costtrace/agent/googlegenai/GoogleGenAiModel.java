package dev.costtrace.agent.googlegenai;

import com.google.genai.types.Candidate;
import com.google.genai.types.Content;
import com.google.genai.types.GenerateContentConfig;
import com.google.genai.types.GenerateContentResponse;
import com.google.genai.types.GenerateContentResponseUsageMetadata;
import dev.costtrace.agent.genai.GenAiAttributes;
import dev.costtrace.agent.genai.GenAiFailures;
import dev.costtrace.agent.genai.GenAiInputText;
import dev.costtrace.agent.genai.GenAiRequest;
import dev.costtrace.agent.genai.GenAiResponse;
import dev.costtrace.agent.genai.GenAiUsage;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Maps the Google Gen AI SDK's request and response objects to the foundation's model.
 *
 * <p>Token semantics (semconv: input includes cache, output includes reasoning): Gemini's {@code
 * promptTokenCount} already includes the cached content ({@code cachedContentTokenCount}, the cache
 * read), and the prompt of tool use ({@code toolUsePromptTokenCount}, billed as input) is added to
 * it; {@code candidatesTokenCount} excludes the thinking tokens ({@code thoughtsTokenCount}, billed
 * as output), which are added to output and also written as reasoning. Finish reasons are the SDK's
 * enum names in lower case ({@code stop}, {@code max_tokens}, {@code safety}).
 *
 * <p>Every field is read on its own: a getter the SDK at hand lacks (a {@link LinkageError}, the
 * extension is compiled against the newest) or a malformed value loses only that field.
 */
public final class GoogleGenAiModel {
  /** semconv {@code gen_ai.provider.name} for the Gemini API (AI Studio). */
  public static final String PROVIDER_GEMINI = "gcp.gemini";

  /** semconv {@code gen_ai.provider.name} for Gemini on Vertex AI. */
  public static final String PROVIDER_VERTEX_AI = "gcp.vertex_ai";

  static final String GEMINI_HOST = "generativelanguage.googleapis.com";

  /** A base URL that could not be read: no server address is written. */
  public static final String UNKNOWN_BASE_URL = "";

  /** Label keys on the request read as its conversation ID (lowest precedence, as elsewhere). */
  static final String[] CONVERSATION_LABELS = {
    "conversation_id", "gen_ai.conversation.id", "session_id"
  };

  private GoogleGenAiModel() {}

  /**
   * @param vertexAi whether the client talks to Vertex AI rather than the Gemini API
   * @param baseUrl the client's base URL, null for the SDK's default, {@link #UNKNOWN_BASE_URL}
   *     when it could not be read
   * @param location the Vertex AI location (for the default host), or null
   */
  public static GenAiRequest request(
      String model,
      List<Content> contents,
      GenerateContentConfig config,
      boolean vertexAi,
      String baseUrl,
      String location,
      boolean streaming) {
    GenAiRequest.Builder b =
        GenAiRequest.builder(
                vertexAi ? PROVIDER_VERTEX_AI : PROVIDER_GEMINI, GenAiAttributes.OPERATION_CHAT)
            .streaming(streaming)
            .requestModel(modelName(model))
            .inputText(() -> inputText(contents, config));
    if (config != null) {
      Integer max = field(config::maxOutputTokens);
      b.maxTokens(max == null ? null : max.longValue());
      Map<String, String> labels = field(config::labels);
      if (labels != null) {
        for (String key : CONVERSATION_LABELS) {
          String v = labels.get(key);
          if (v != null && !v.isEmpty()) {
            b.conversationId(v);
            break;
          }
        }
      }
    }
    server(b, vertexAi, baseUrl, location);
    return b.build();
  }

  /**
   * The request's text for the budget estimate: the string values of the contents' and the config's
   * JSON as the SDK serialises them (system instruction and tool declarations are in the config).
   */
  static CharSequence inputText(List<Content> contents, GenerateContentConfig config) {
    StringBuilder json = new StringBuilder("[");
    if (contents != null) {
      for (Content c : contents) {
        if (c != null) {
          json.append(c.toJson()).append(',');
        }
      }
    }
    json.append(config == null ? "null" : config.toJson()).append(']');
    byte[] bytes = json.toString().getBytes(StandardCharsets.UTF_8);
    return GenAiInputText.fromJson(bytes, bytes.length);
  }

  /** {@code models/gemini-2.5-flash} and {@code publishers/google/models/x} name the model last. */
  static String modelName(String model) {
    if (model == null) {
      return null;
    }
    int slash = model.lastIndexOf('/');
    return slash >= 0 ? model.substring(slash + 1) : model;
  }

  private static void server(
      GenAiRequest.Builder b, boolean vertexAi, String baseUrl, String location) {
    if (UNKNOWN_BASE_URL.equals(baseUrl)) {
      return;
    }
    if (baseUrl != null) {
      b.server(baseUrl);
    } else if (!vertexAi) {
      b.serverAddress(GEMINI_HOST).serverPort(443L);
    } else if (location != null && !location.isEmpty()) {
      b.serverAddress(
              "global".equals(location)
                  ? "aiplatform.googleapis.com"
                  : location + "-aiplatform.googleapis.com")
          .serverPort(443L);
    }
  }

  public static GenAiResponse response(GenerateContentResponse response) {
    GenAiResponse.Builder b = GenAiResponse.builder();
    fill(b, response);
    return b.build();
  }

  /**
   * Fills {@code b} from one response, or one chunk of a stream: later chunks replace id, model and
   * usage (Gemini's streamed usage is cumulative, the last chunk has the totals) and add their
   * finish reasons.
   */
  public static void fill(GenAiResponse.Builder b, GenerateContentResponse response) {
    b.responseId(field(response::responseId));
    b.responseModel(field(response::modelVersion));
    List<Candidate> candidates = field(response::candidates);
    if (candidates != null) {
      for (Candidate c : candidates) {
        Object reason = field(c::finishReason);
        if (reason != null) {
          b.addFinishReason(reason.toString().toLowerCase(Locale.ROOT));
        }
      }
    }
    GenerateContentResponseUsageMetadata usage = field(response::usageMetadata);
    if (usage != null) {
      b.usage(usage(usage));
    }
  }

  static GenAiUsage usage(GenerateContentResponseUsageMetadata u) {
    Long prompt = count(field(u::promptTokenCount));
    Long toolUsePrompt = count(field(u::toolUsePromptTokenCount));
    Long candidates = count(field(u::candidatesTokenCount));
    Long thoughts = count(field(u::thoughtsTokenCount));
    return GenAiUsage.builder()
        .inputTokens(sum(prompt, toolUsePrompt))
        .outputTokens(sum(candidates, thoughts))
        .cacheReadInputTokens(count(field(u::cachedContentTokenCount)))
        .reasoningOutputTokens(thoughts)
        .build();
  }

  private static Long count(Integer v) {
    return v == null || v < 0 ? null : v.longValue();
  }

  /** Null when both are unreported; a missing part counts as 0 otherwise. */
  private static Long sum(Long a, Long b) {
    if (a == null && b == null) {
      return null;
    }
    return (a == null ? 0L : a) + (b == null ? 0L : b);
  }

  /** One field: null when absent, malformed, or missing from this SDK version. */
  static <T> T field(Supplier<Optional<T>> read) {
    try {
      Optional<T> v = read.get();
      return v == null ? null : v.orElse(null);
    } catch (RuntimeException | LinkageError e) {
      GenAiFailures.contain(e);
      return null;
    }
  }
}
