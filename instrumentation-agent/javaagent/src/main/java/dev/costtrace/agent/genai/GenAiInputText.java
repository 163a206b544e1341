package dev.costtrace.agent.genai;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.lang.reflect.Method;

/**
 * The text of a request as the model reads it, for the budget's input-token estimate: every string
 * value of the request's JSON (message contents, system prompt, tool definitions), without keys and
 * without the few fields that are not read as text ({@code model}, {@code role}, {@code type}).
 * Only computed when a budget rule needs an estimate; never put on a span.
 */
public final class GenAiInputText {
  private static final JsonFactory JSON = new JsonFactory();

  private GenAiInputText() {}

  /** The text values of a JSON request body; null when it is not JSON. */
  public static CharSequence fromJson(byte[] json, int length) {
    if (json == null || length <= 0) {
      return null;
    }
    StringBuilder text = new StringBuilder(length);
    try (JsonParser p = JSON.createParser(json, 0, length)) {
      String field = null;
      for (JsonToken t = p.nextToken(); t != null; t = p.nextToken()) {
        if (t == JsonToken.FIELD_NAME) {
          field = p.currentName();
        } else if (t == JsonToken.VALUE_STRING) {
          if (!"model".equals(field) && !"role".equals(field) && !"type".equals(field)) {
            if (text.length() > 0) {
              text.append('\n');
            }
            text.append(p.getText());
          }
        }
      }
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return text.length() > 0 ? text : null;
    }
    return text;
  }

  /**
   * The text of an SDK's request body, serialised by the SDK's own Jackson mapper (a static {@code
   * jsonMapper()} on {@code objectMappersClass}, as the Stainless-generated OpenAI and Anthropic
   * SDKs have), i.e. the JSON it sends; the body's {@code toString()} when that fails (close enough
   * for an estimate).
   */
  public static CharSequence fromSdkBody(Object body, String objectMappersClass) {
    if (body == null) {
      return null;
    }
    try {
      Class<?> mappers = Class.forName(objectMappersClass, false, body.getClass().getClassLoader());
      Object mapper = mappers.getMethod("jsonMapper").invoke(null);
      Method write = mapper.getClass().getMethod("writeValueAsBytes", Object.class);
      byte[] json = (byte[]) write.invoke(mapper, body);
      return fromJson(json, json.length);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return String.valueOf(body);
    }
  }
}
