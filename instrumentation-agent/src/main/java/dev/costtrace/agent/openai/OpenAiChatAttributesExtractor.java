package dev.costtrace.agent.openai;

import dev.costtrace.agent.genai.GenAiAttributes;
import dev.costtrace.agent.genai.GenAiFailures;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.context.Context;
import io.opentelemetry.instrumentation.api.instrumenter.AttributesExtractor;
import java.lang.reflect.Method;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the upstream chat span lacks: {@code openai.request.service_tier} and {@code
 * gen_ai.conversation.id} from the request's {@code metadata} (keys {@link #METADATA_CONVERSATION_KEYS},
 * the lowest precedence — app baggage and an inbound header written later by the attribution
 * processor win), and {@code openai.response.service_tier}. Reads {@code serviceTier()} and {@code
 * metadata()} by reflection, cached per class; contains every failure.
 */
public final class OpenAiChatAttributesExtractor implements AttributesExtractor<Object, Object> {
  /** Chat {@code metadata} keys that carry a conversation ID, first found wins. */
  public static final List<String> METADATA_CONVERSATION_KEYS =
      Collections.unmodifiableList(
          Arrays.asList("conversation_id", "gen_ai.conversation.id", "session_id"));

  private static final OpenAiChatAttributesExtractor INSTANCE = new OpenAiChatAttributesExtractor();

  private static final ClassValue<Method> SERVICE_TIER = accessor("serviceTier");
  private static final ClassValue<Method> METADATA = accessor("metadata");
  private static final ClassValue<Method> ADDITIONAL_PROPERTIES = accessor("_additionalProperties");
  private static final ClassValue<Method> AS_STRING = accessor("asString");

  private OpenAiChatAttributesExtractor() {}

  public static OpenAiChatAttributesExtractor create() {
    return INSTANCE;
  }

  @Override
  public void onStart(AttributesBuilder attributes, Context parentContext, Object request) {
    try {
      String tier = string(optional(request, SERVICE_TIER));
      if (tier != null) {
        attributes.put(GenAiAttributes.OPENAI_REQUEST_SERVICE_TIER, tier);
      }
      String conversation = conversationId(optional(request, METADATA));
      if (conversation != null) {
        attributes.put(GenAiAttributes.CONVERSATION_ID, conversation);
      }
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
  }

  @Override
  public void onEnd(
      AttributesBuilder attributes,
      Context context,
      Object request,
      Object response,
      Throwable error) {
    try {
      String tier = string(optional(response, SERVICE_TIER));
      if (tier != null) {
        attributes.put(GenAiAttributes.OPENAI_RESPONSE_SERVICE_TIER, tier);
      }
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
  }

  static String conversationId(Object metadata) throws ReflectiveOperationException {
    if (metadata == null) {
      return null;
    }
    Method props = ADDITIONAL_PROPERTIES.get(metadata.getClass());
    if (props == null) {
      return null;
    }
    Object map = props.invoke(metadata);
    if (!(map instanceof Map)) {
      return null;
    }
    for (String key : METADATA_CONVERSATION_KEYS) {
      Object value = ((Map<?, ?>) map).get(key);
      if (value != null) {
        String s = string(optional(value, AS_STRING));
        if (s != null && !s.trim().isEmpty()) {
          return s.trim();
        }
      }
    }
    return null;
  }

  /** The value of a no-argument accessor returning {@code Optional}, or null. */
  private static Object optional(Object target, ClassValue<Method> accessor)
      throws ReflectiveOperationException {
    if (target == null) {
      return null;
    }
    Method m = accessor.get(target.getClass());
    if (m == null) {
      return null;
    }
    Object v = m.invoke(target);
    if (v instanceof Optional) {
      return ((Optional<?>) v).orElse(null);
    }
    return v;
  }

  private static String string(Object value) {
    return value == null ? null : value.toString();
  }

  private static ClassValue<Method> accessor(String name) {
    return new ClassValue<Method>() {
      @Override
      protected Method computeValue(Class<?> type) {
        try {
          Method m = type.getMethod(name);
          return java.lang.reflect.Modifier.isPublic(m.getDeclaringClass().getModifiers()) ? m : null;
        } catch (NoSuchMethodException e) {
          return null;
        }
      }
    };
  }
}
