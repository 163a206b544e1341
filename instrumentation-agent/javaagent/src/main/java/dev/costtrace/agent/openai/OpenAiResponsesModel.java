package dev.costtrace.agent.openai;

import com.openai.core.JsonField;
import com.openai.models.ChatModel;
import com.openai.models.ResponsesModel;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseUsage;
import dev.costtrace.agent.genai.GenAiAttributes;
import dev.costtrace.agent.genai.GenAiFailures;
import dev.costtrace.agent.genai.GenAiInputText;
import dev.costtrace.agent.genai.GenAiRequest;
import dev.costtrace.agent.genai.GenAiResponse;
import dev.costtrace.agent.genai.GenAiUsage;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * Maps the OpenAI SDK's Responses API objects to the foundation's model. OpenAI's {@code
 * input_tokens} already include cached ones and {@code output_tokens} reasoning ones, as semconv
 * wants. Every field is read on its own, through the raw {@code JsonField} accessors where the
 * typed getter changed between SDK versions (2.x {@code model()} is not {@code Optional}) or would
 * throw on a missing or mistyped value: a field the SDK at hand lacks, or a malformed response,
 * loses only that field.
 *
 * <p>Conversation ID: the request's {@code conversation} (an ID or {@code {id}}), the Responses
 * API's own conversation object. {@code previous_response_id} is not used: it names the previous
 * response, changes every turn, and so would not group a conversation's calls.
 */
public final class OpenAiResponsesModel {
  static final String API_TYPE_RESPONSES = "responses";
  static final String SERVICE_TIER_AUTO = "auto";

  private OpenAiResponsesModel() {}

  /** The SDK's own Jackson mapper: it serialises the request the way the SDK sends it. */
  static final String SDK_OBJECT_MAPPERS = "com.openai.core.ObjectMappers";

  public static GenAiRequest request(ResponseCreateParams params, boolean streaming) {
    return request(params, streaming, null);
  }

  /**
   * @param baseUrl the client's base URL ({@code server.address} / {@code .port}), or null
   */
  public static GenAiRequest request(
      ResponseCreateParams params, boolean streaming, String baseUrl) {
    GenAiRequest.Builder b =
        GenAiRequest.builder(GenAiAttributes.PROVIDER_OPENAI, GenAiAttributes.OPERATION_CHAT)
            .streaming(streaming)
            .server(baseUrl);
    b.requestModel(field(() -> known(params._model()).map(OpenAiResponsesModel::modelName)));
    b.maxTokens(field(() -> known(params._maxOutputTokens())));
    String tier = field(() -> known(params._serviceTier()).map(t -> t.asString()));
    if (tier != null && !tier.equals(SERVICE_TIER_AUTO)) {
      b.serviceTier(tier);
    }
    b.conversationId(
        field(
            () ->
                known(params._conversation())
                    .flatMap(
                        c ->
                            c.isId()
                                ? Optional.of(c.asId())
                                : c.responseConversationParam().map(p -> p.id()))));
    b.inputText(() -> GenAiInputText.fromSdkBody(params._body(), SDK_OBJECT_MAPPERS));
    return b.build();
  }

  /** A complete response: the non-streamed result or a stream's final event. */
  public static void fill(GenAiResponse.Builder b, Response response) {
    b.responseId(field(() -> known(response._id())));
    b.responseModel(field(() -> known(response._model()).map(OpenAiResponsesModel::modelName)));
    String reason =
        field(
            () ->
                known(response._incompleteDetails())
                    .flatMap(d -> known(d._reason()))
                    .map(r -> r.asString()));
    b.addFinishReason(
        reason != null ? reason : field(() -> known(response._status()).map(s -> s.asString())));
    b.serviceTier(field(() -> known(response._serviceTier()).map(t -> t.asString())));
    ResponseUsage usage = field(() -> known(response._usage()));
    if (usage != null) {
      b.usage(usage(usage));
    }
  }

  /** Only what a stream's first event says: id, model, service tier. */
  public static void fillStart(GenAiResponse.Builder b, Response response) {
    b.responseId(field(() -> known(response._id())));
    b.responseModel(field(() -> known(response._model()).map(OpenAiResponsesModel::modelName)));
    b.serviceTier(field(() -> known(response._serviceTier()).map(t -> t.asString())));
  }

  public static GenAiResponse response(Response response) {
    GenAiResponse.Builder b = GenAiResponse.builder();
    fill(b, response);
    return b.build();
  }

  static GenAiUsage usage(ResponseUsage usage) {
    GenAiUsage.Builder u = GenAiUsage.builder();
    u.inputTokens(field(() -> known(usage._inputTokens())));
    u.outputTokens(field(() -> known(usage._outputTokens())));
    u.cacheReadInputTokens(
        field(() -> known(usage._inputTokensDetails()).flatMap(d -> known(d._cachedTokens()))));
    // Newer SDKs only (absent in 2.x): cache writes, reported by some models.
    u.cacheCreationInputTokens(
        field(() -> known(usage._inputTokensDetails()).flatMap(d -> known(d._cacheWriteTokens()))));
    u.reasoningOutputTokens(
        field(() -> known(usage._outputTokensDetails()).flatMap(d -> known(d._reasoningTokens()))));
    return u.build();
  }

  static String modelName(ResponsesModel model) {
    if (model.string().isPresent()) {
      return model.string().get();
    }
    if (model.chat().isPresent()) {
      return model.chat().map(ChatModel::asString).get();
    }
    return model.only().map(o -> o.asString()).orElse(null);
  }

  static <T> Optional<T> known(JsonField<T> field) {
    return field == null ? Optional.empty() : field.asKnown();
  }

  /**
   * One field: {@code null} when absent, malformed, or when this SDK version lacks the accessor (a
   * {@link LinkageError}, since the extension is compiled against a newer SDK).
   */
  static <T> T field(Supplier<Optional<T>> read) {
    try {
      return read.get().orElse(null);
    } catch (RuntimeException | LinkageError e) {
      GenAiFailures.contain(e);
      return null;
    }
  }
}
