package dev.costtrace.agent.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads the OpenAI-compatible request and response payloads (chat completions, completions,
 * embeddings, the Responses API, their stream chunks and error bodies) into {@link LlmCallData}.
 * Bodies reaching here are already bounded by the caller; a payload that is not what we expect
 * throws {@link IOException} or is ignored, and the caller gives up quietly.
 */
public final class OpenAiPayloads {
  private static final JsonFactory JSON = new JsonFactory();

  private OpenAiPayloads() {}

  /** The request model and whether a stream was asked for. */
  public static void readRequest(byte[] body, int length, LlmCallData into) throws IOException {
    Map<String, Object> request = object(parse(body, length));
    if (request == null) {
      return;
    }
    into.requestModel = string(request.get("model"));
    into.stream = Boolean.TRUE.equals(request.get("stream"));
    Object max = request.get("max_completion_tokens");
    if (max == null) {
      max = request.get("max_tokens");
    }
    if (max == null) {
      max = request.get("max_output_tokens");
    }
    if (max instanceof Number) {
      into.maxTokens = ((Number) max).longValue();
    }
  }

  /** A whole (non-streamed) response body, success or error. */
  public static void readResponse(byte[] body, int length, LlmCallData into) throws IOException {
    Map<String, Object> response = object(parse(body, length));
    if (response == null) {
      return;
    }
    Map<String, Object> error = object(response.get("error"));
    if (error != null) {
      readError(error, into);
      return;
    }
    readResponseObject(response, into);
  }

  /**
   * One {@code data:} payload of an SSE stream; returns true when it carried content (for time to
   * first token).
   */
  public static boolean readStreamEvent(byte[] data, int length, LlmCallData into)
      throws IOException {
    Map<String, Object> event = object(parse(data, length));
    if (event == null) {
      return false;
    }
    Map<String, Object> error = object(event.get("error"));
    if (error != null) {
      readError(error, into);
      return false;
    }
    String type = string(event.get("type"));
    if (type != null && type.startsWith("response.")) {
      // Responses API events: the final one carries the whole response with usage.
      Map<String, Object> response = object(event.get("response"));
      if (response != null
          && (type.equals("response.completed")
              || type.equals("response.incomplete")
              || type.equals("response.failed")
              || type.equals("response.created"))) {
        readResponseObject(response, into);
      }
      return type.equals("response.output_text.delta")
          || type.equals("response.refusal.delta")
          || type.equals("response.function_call_arguments.delta");
    }
    boolean content = false;
    if (event.get("id") instanceof String) {
      into.responseId = (String) event.get("id");
    }
    if (event.get("model") instanceof String) {
      into.responseModel = (String) event.get("model");
    }
    if (event.get("service_tier") instanceof String) {
      into.serviceTier = (String) event.get("service_tier");
    }
    for (Object c : list(event.get("choices"))) {
      Map<String, Object> choice = object(c);
      if (choice == null) {
        continue;
      }
      String finish = string(choice.get("finish_reason"));
      if (finish != null) {
        into.finishReasons.add(finish);
      }
      Map<String, Object> delta = object(choice.get("delta"));
      if (delta != null) {
        Object text = delta.get("content");
        if ((text instanceof String && !((String) text).isEmpty())
            || !list(delta.get("tool_calls")).isEmpty()
            || delta.get("reasoning_content") instanceof String
            || delta.get("reasoning") instanceof String) {
          content = true;
        }
      } else if (choice.get("text") instanceof String) {
        content = !((String) choice.get("text")).isEmpty(); // legacy completions stream
      }
    }
    Map<String, Object> usage = object(event.get("usage"));
    if (usage != null) {
      readUsage(usage, into);
    }
    return content;
  }

  private static void readResponseObject(Map<String, Object> response, LlmCallData into) {
    if (response.get("id") instanceof String) {
      into.responseId = (String) response.get("id");
    }
    if (response.get("model") instanceof String) {
      into.responseModel = (String) response.get("model");
    }
    if (response.get("service_tier") instanceof String) {
      into.serviceTier = (String) response.get("service_tier");
    }
    List<Object> choices = list(response.get("choices"));
    if (!choices.isEmpty()) {
      into.finishReasons.clear();
      for (Object c : choices) {
        Map<String, Object> choice = object(c);
        String finish = choice == null ? null : string(choice.get("finish_reason"));
        if (finish != null) {
          into.finishReasons.add(finish);
        }
      }
    } else if (response.get("status") instanceof String) {
      // Responses API: "completed", or "incomplete" with the reason.
      String status = (String) response.get("status");
      Map<String, Object> incomplete = object(response.get("incomplete_details"));
      String reason = incomplete == null ? null : string(incomplete.get("reason"));
      if (!status.equals("in_progress") && !status.equals("queued")) {
        into.finishReasons.clear();
        into.finishReasons.add(reason != null ? reason : status);
      }
    }
    Map<String, Object> error = object(response.get("error"));
    if (error != null) {
      readError(error, into);
    }
    Map<String, Object> usage = object(response.get("usage"));
    if (usage != null) {
      readUsage(usage, into);
    }
  }

  /**
   * Chat/completions/embeddings usage ({@code prompt_tokens}, {@code completion_tokens}) and the
   * Responses API's ({@code input_tokens}, {@code output_tokens}); both already count cached input
   * in the input and reasoning in the output, as OTel does.
   */
  static void readUsage(Map<String, Object> usage, LlmCallData into) {
    Long in = number(usage.get("prompt_tokens"));
    if (in == null) {
      in = number(usage.get("input_tokens"));
    }
    Long out = number(usage.get("completion_tokens"));
    if (out == null) {
      out = number(usage.get("output_tokens"));
    }
    if (in != null) {
      into.inputTokens = in;
    }
    if (out != null) {
      into.outputTokens = out;
    }
    Map<String, Object> inDetails = object(usage.get("prompt_tokens_details"));
    if (inDetails == null) {
      inDetails = object(usage.get("input_tokens_details"));
    }
    if (inDetails != null && number(inDetails.get("cached_tokens")) != null) {
      into.cacheReadTokens = number(inDetails.get("cached_tokens"));
    }
    if (inDetails != null && number(inDetails.get("cache_creation_tokens")) != null) {
      into.cacheCreationTokens = number(inDetails.get("cache_creation_tokens"));
    }
    Map<String, Object> outDetails = object(usage.get("completion_tokens_details"));
    if (outDetails == null) {
      outDetails = object(usage.get("output_tokens_details"));
    }
    if (outDetails != null && number(outDetails.get("reasoning_tokens")) != null) {
      into.reasoningTokens = number(outDetails.get("reasoning_tokens"));
    }
  }

  private static void readError(Map<String, Object> error, LlmCallData into) {
    String type = string(error.get("type"));
    if (type == null) {
      type = string(error.get("code"));
    }
    into.errorType = type != null ? type : "error";
  }

  // --- a bounded JSON value reader on jackson-core's streaming parser (no databind in the agent)

  static Object parse(byte[] body, int length) throws IOException {
    try (JsonParser p = JSON.createParser(body, 0, length)) {
      JsonToken t = p.nextToken();
      if (t == null) {
        return null;
      }
      return value(p, t, 0);
    }
  }

  private static Object value(JsonParser p, JsonToken t, int depth) throws IOException {
    if (depth > 64) {
      throw new IOException("JSON nested too deep");
    }
    switch (t) {
      case START_OBJECT:
        Map<String, Object> map = new LinkedHashMap<>();
        for (JsonToken n = p.nextToken(); n == JsonToken.FIELD_NAME; n = p.nextToken()) {
          String name = p.currentName();
          map.put(name, value(p, p.nextToken(), depth + 1));
        }
        return map;
      case START_ARRAY:
        List<Object> items = new ArrayList<>();
        for (JsonToken n = p.nextToken(); n != JsonToken.END_ARRAY; n = p.nextToken()) {
          if (n == null) {
            throw new IOException("JSON ends inside an array");
          }
          items.add(value(p, n, depth + 1));
        }
        return items;
      case VALUE_STRING:
        return p.getText();
      case VALUE_NUMBER_INT:
        return p.getNumberType() == JsonParser.NumberType.BIG_INTEGER ? null : p.getLongValue();
      case VALUE_NUMBER_FLOAT:
        return p.getDoubleValue();
      case VALUE_TRUE:
        return Boolean.TRUE;
      case VALUE_FALSE:
        return Boolean.FALSE;
      case VALUE_NULL:
        return null;
      default:
        throw new IOException("unexpected JSON token " + t);
    }
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> object(Object o) {
    return o instanceof Map ? (Map<String, Object>) o : null;
  }

  @SuppressWarnings("unchecked")
  private static List<Object> list(Object o) {
    return o instanceof List ? (List<Object>) o : new ArrayList<>();
  }

  private static String string(Object o) {
    return o instanceof String ? (String) o : null;
  }

  private static Long number(Object o) {
    return o instanceof Long ? (Long) o : null;
  }
}
