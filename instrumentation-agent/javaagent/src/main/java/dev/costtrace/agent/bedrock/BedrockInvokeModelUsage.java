package dev.costtrace.agent.bedrock;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.costtrace.agent.genai.GenAiFailures;
import java.io.IOException;
import java.util.function.Function;

/**
 * Usage (and id, model) of an {@code InvokeModel} response, whose body is the model family's own
 * JSON. Read from the body, by the field names of each family:
 *
 * <ul>
 *   <li>Anthropic Claude (Messages API): {@code usage.input_tokens} (uncached), {@code
 *       output_tokens}, {@code cache_read_input_tokens}, {@code cache_creation_input_tokens}, and
 *       {@code id}, {@code model};
 *   <li>Amazon Nova: {@code usage.inputTokens}, {@code outputTokens}, {@code
 *       cacheReadInputTokenCount}, {@code cacheWriteInputTokenCount};
 *   <li>Meta Llama: {@code prompt_token_count}, {@code generation_token_count};
 *   <li>Amazon Titan Text: {@code inputTextTokenCount}, {@code results[].tokenCount};
 * </ul>
 *
 * and, for what the body lacks (Mistral and Cohere bodies have no counts), from the response
 * headers every InvokeModel answer carries: {@code X-Amzn-Bedrock-Input-Token-Count}, {@code
 * -Output-Token-Count}, {@code -Cache-Read-Input-Token-Count}, {@code
 * -Cache-Write-Input-Token-Count}. A malformed or oversized body loses only what it would have
 * said.
 */
public final class BedrockInvokeModelUsage {
  /** Bodies larger than this are not parsed (the headers still are). */
  static final int MAX_BODY_BYTES = 4 * 1024 * 1024;

  static final String HEADER_INPUT = "X-Amzn-Bedrock-Input-Token-Count";
  static final String HEADER_OUTPUT = "X-Amzn-Bedrock-Output-Token-Count";
  static final String HEADER_CACHE_READ = "X-Amzn-Bedrock-Cache-Read-Input-Token-Count";
  static final String HEADER_CACHE_WRITE = "X-Amzn-Bedrock-Cache-Write-Input-Token-Count";

  private static final JsonFactory JSON = new JsonFactory();

  /** What the body said besides usage. */
  public static final class Parsed {
    public final BedrockUsage usage;
    public final String responseId;
    public final String responseModel;

    Parsed(BedrockUsage usage, String responseId, String responseModel) {
      this.usage = usage;
      this.responseId = responseId;
      this.responseModel = responseModel;
    }
  }

  private BedrockInvokeModelUsage() {}

  /**
   * @param body the response body (may be null)
   * @param headers a header look-up by name (case-insensitive), returning null when absent
   */
  public static Parsed parse(byte[] body, Function<String, String> headers) {
    BodyReader reader = new BodyReader();
    if (body != null && body.length > 0 && body.length <= MAX_BODY_BYTES) {
      try {
        reader.read(body);
      } catch (IOException | RuntimeException e) {
        GenAiFailures.contain(e); // keep what was read before the malformed part
      }
    }
    BedrockUsage fromHeaders =
        new BedrockUsage(
            BedrockUsage.toLong(headers.apply(HEADER_INPUT)),
            BedrockUsage.toLong(headers.apply(HEADER_OUTPUT)),
            BedrockUsage.toLong(headers.apply(HEADER_CACHE_READ)),
            BedrockUsage.toLong(headers.apply(HEADER_CACHE_WRITE)));
    return new Parsed(reader.usage.orElse(fromHeaders), reader.id, reader.model);
  }

  /** One streaming pass over the body: top-level fields and the {@code usage} object. */
  private static final class BodyReader {
    final BedrockUsage usage = new BedrockUsage();
    String id;
    String model;
    private long titanOutput;
    private boolean titanOutputSeen;

    void read(byte[] body) throws IOException {
      try (JsonParser p = JSON.createParser(body)) {
        if (p.nextToken() != JsonToken.START_OBJECT) {
          return;
        }
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          JsonToken value = p.nextToken();
          switch (name) {
            case "id":
              id = value == JsonToken.VALUE_STRING ? p.getText() : id;
              break;
            case "model":
              model = value == JsonToken.VALUE_STRING ? p.getText() : model;
              break;
            case "usage":
              if (value == JsonToken.START_OBJECT) {
                readUsage(p);
              } else {
                p.skipChildren();
              }
              break;
            case "prompt_token_count": // Llama
            case "inputTextTokenCount": // Titan
              usage.uncachedInput = number(p, value);
              break;
            case "generation_token_count": // Llama
              usage.output = number(p, value);
              break;
            case "results": // Titan: one token count per result
              readTitanResults(p, value);
              break;
            default:
              p.skipChildren();
          }
        }
      }
      if (titanOutputSeen && usage.output == null) {
        usage.output = titanOutput;
      }
    }

    private void readUsage(JsonParser p) throws IOException {
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.currentName();
        JsonToken value = p.nextToken();
        switch (name) {
          case "input_tokens": // Anthropic
          case "inputTokens": // Nova
            usage.uncachedInput = number(p, value);
            break;
          case "output_tokens":
          case "outputTokens":
            usage.output = number(p, value);
            break;
          case "cache_read_input_tokens":
          case "cacheReadInputTokenCount":
            usage.cacheRead = number(p, value);
            break;
          case "cache_creation_input_tokens":
          case "cacheWriteInputTokenCount":
            usage.cacheWrite = number(p, value);
            break;
          default:
            p.skipChildren();
        }
      }
    }

    private void readTitanResults(JsonParser p, JsonToken value) throws IOException {
      if (value != JsonToken.START_ARRAY) {
        p.skipChildren();
        return;
      }
      while (p.nextToken() == JsonToken.START_OBJECT) {
        while (p.nextToken() == JsonToken.FIELD_NAME) {
          String name = p.currentName();
          JsonToken v = p.nextToken();
          Long n = "tokenCount".equals(name) ? number(p, v) : null;
          if (n != null) {
            titanOutput += n;
            titanOutputSeen = true;
          } else {
            p.skipChildren();
          }
        }
      }
    }

    private static Long number(JsonParser p, JsonToken value) throws IOException {
      if (value == JsonToken.VALUE_NUMBER_INT) {
        long v = p.getLongValue();
        return v < 0 ? null : v;
      }
      p.skipChildren();
      return null;
    }
  }
}
