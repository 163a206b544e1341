package dev.costtrace.agent.bedrock.gate;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.costtrace.agent.genai.GenAiAttributes;
import dev.costtrace.agent.genai.GenAiFailures;
import dev.costtrace.agent.genai.GenAiInputText;
import dev.costtrace.agent.genai.GenAiRequest;
import java.util.List;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.SdkRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.InferenceConfiguration;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelRequest;
import software.amazon.awssdk.services.bedrockruntime.model.InvokeModelWithResponseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.Message;
import software.amazon.awssdk.services.bedrockruntime.model.SystemContentBlock;
import software.amazon.awssdk.services.bedrockruntime.model.ToolConfiguration;

/**
 * What the budget needs of a Bedrock Runtime request, and the request with another model: {@code
 * Converse} and {@code ConverseStream} (model id, {@code inferenceConfig.maxTokens}, the text of
 * the messages, system prompt and tool configuration), {@code InvokeModel} and {@code
 * InvokeModelWithResponseStream} (model id, the body's text values, its maximum output under the
 * name the model family uses). Any other request: null.
 */
final class BedrockRequests {
  /**
   * Maximum output tokens in InvokeModel bodies: Anthropic, Mistral; Llama; Titan; Nova; Cohere.
   */
  private static final String[] MAX_TOKEN_FIELDS = {
    "max_tokens", "max_gen_len", "maxTokenCount", "max_new_tokens", "maxTokens"
  };

  private static final JsonFactory JSON = new JsonFactory();

  private BedrockRequests() {}

  static GenAiRequest request(SdkRequest request) {
    if (request instanceof ConverseRequest) {
      ConverseRequest r = (ConverseRequest) request;
      return converse(
          r.modelId(), r.inferenceConfig(), r.messages(), r.system(), r.toolConfig(), false);
    }
    if (request instanceof ConverseStreamRequest) {
      ConverseStreamRequest r = (ConverseStreamRequest) request;
      return converse(
          r.modelId(), r.inferenceConfig(), r.messages(), r.system(), r.toolConfig(), true);
    }
    if (request instanceof InvokeModelRequest) {
      InvokeModelRequest r = (InvokeModelRequest) request;
      return invoke(r.modelId(), r.body(), false);
    }
    if (request instanceof InvokeModelWithResponseStreamRequest) {
      InvokeModelWithResponseStreamRequest r = (InvokeModelWithResponseStreamRequest) request;
      return invoke(r.modelId(), r.body(), true);
    }
    return null;
  }

  /** {@code request} with {@code modelId} (the SDK's requests are immutable: rebuilt). */
  static SdkRequest withModel(SdkRequest request, String modelId) {
    if (request instanceof ConverseRequest) {
      return ((ConverseRequest) request).toBuilder().modelId(modelId).build();
    }
    if (request instanceof ConverseStreamRequest) {
      return ((ConverseStreamRequest) request).toBuilder().modelId(modelId).build();
    }
    if (request instanceof InvokeModelRequest) {
      return ((InvokeModelRequest) request).toBuilder().modelId(modelId).build();
    }
    if (request instanceof InvokeModelWithResponseStreamRequest) {
      return ((InvokeModelWithResponseStreamRequest) request).toBuilder().modelId(modelId).build();
    }
    return request;
  }

  private static GenAiRequest.Builder builder(String modelId, boolean streaming) {
    return GenAiRequest.builder(
            GenAiAttributes.PROVIDER_AWS_BEDROCK, GenAiAttributes.OPERATION_CHAT)
        .requestModel(modelId)
        .streaming(streaming);
  }

  private static GenAiRequest converse(
      String modelId,
      InferenceConfiguration config,
      List<Message> messages,
      List<SystemContentBlock> system,
      ToolConfiguration tools,
      boolean streaming) {
    Integer max = config == null ? null : config.maxTokens();
    return builder(modelId, streaming)
        .maxTokens(max == null ? null : max.longValue())
        .inputText(() -> converseText(messages, system, tools))
        .build();
  }

  static CharSequence converseText(
      List<Message> messages, List<SystemContentBlock> system, ToolConfiguration tools) {
    StringBuilder text = new StringBuilder();
    for (SystemContentBlock s : system) {
      append(text, s.text());
    }
    for (Message m : messages) {
      for (ContentBlock c : m.content()) {
        append(text, c.text() != null ? c.text() : c.type() == null ? null : c.toString());
      }
    }
    if (tools != null) {
      append(text, tools.toString());
    }
    return text;
  }

  private static void append(StringBuilder text, String s) {
    if (s != null && !s.isEmpty()) {
      if (text.length() > 0) {
        text.append('\n');
      }
      text.append(s);
    }
  }

  private static GenAiRequest invoke(String modelId, SdkBytes body, boolean streaming) {
    byte[] bytes = body == null ? null : body.asByteArrayUnsafe();
    return builder(modelId, streaming)
        .maxTokens(maxTokens(bytes))
        .inputText(() -> bytes == null ? null : GenAiInputText.fromJson(bytes, bytes.length))
        .build();
  }

  /** The first maximum-output field of an InvokeModel body, at any depth; null when none. */
  static Long maxTokens(byte[] body) {
    if (body == null || body.length == 0) {
      return null;
    }
    try (JsonParser p = JSON.createParser(body)) {
      String field = null;
      for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
        if (t == JsonToken.FIELD_NAME) {
          field = p.currentName();
        } else if (t == JsonToken.VALUE_NUMBER_INT && isMaxTokens(field)) {
          return p.getLongValue();
        }
      }
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
    return null;
  }

  private static boolean isMaxTokens(String field) {
    for (String f : MAX_TOKEN_FIELDS) {
      if (f.equals(field)) {
        return true;
      }
    }
    return false;
  }
}
