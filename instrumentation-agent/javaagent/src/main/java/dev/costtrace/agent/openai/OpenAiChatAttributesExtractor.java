package dev.costtrace.agent.openai;

import dev.costtrace.agent.genai.GenAiAttributes;
import dev.costtrace.agent.genai.GenAiFailures;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.context.Context;
import io.opentelemetry.instrumentation.api.instrumenter.AttributesExtractor;
import java.lang.reflect.Method;
import java.util.Map;
import java.util.Optional;

/**
 * What the upstream chat span lacks: {@code openai.api.type}, {@code openai.request.service_tier}
 * (not written for {@code auto}, as semconv says) and {@code gen_ai.conversation.id} from the
 * request's {@code metadata} (keys {@link OpenAiConversationKeys#METADATA}, the lowest precedence —
 * app baggage and an inbound header written later by the attribution processor win), and {@code
 * openai.response.service_tier}. Reads {@code serviceTier()} and {@code metadata()} by reflection,
 * cached per class; contains every failure.
 *
 * <p>The upstream request object is the SDK's {@code ChatCompletionCreateParams} up to agent 2.31
 * and, from 2.33, the agent's own package-private {@code ChatCompletionRequest} wrapping it ({@code
 * getRequest()}); both are read ({@link #chatParams}). Reading only the former is why this
 * extractor added nothing at span start on 2.33.1 although the customizer was applied.
 */
public final class OpenAiChatAttributesExtractor implements AttributesExtractor<Object, Object> {

  private static final OpenAiChatAttributesExtractor INSTANCE = new OpenAiChatAttributesExtractor();

  private static final ClassValue<Method> SERVICE_TIER = accessor("serviceTier");
  private static final ClassValue<Method> METADATA = accessor("metadata");
  private static final ClassValue<Method> ADDITIONAL_PROPERTIES = accessor("_additionalProperties");
  private static final ClassValue<Method> AS_STRING = accessor("asString");

  /** The wrapped params of the upstream request wrapper, or null when the request is the params. */
  private static final ClassValue<Method> UNWRAP =
      new ClassValue<Method>() {
        @Override
        protected Method computeValue(Class<?> type) {
          if (SERVICE_TIER.get(type) != null) {
            return null;
          }
          try {
            Method m = type.getDeclaredMethod("getRequest");
            m.setAccessible(true);
            return m;
          } catch (NoSuchMethodException | RuntimeException e) {
            return null;
          }
        }
      };

  public static final String API_TYPE_CHAT_COMPLETIONS = "chat_completions";
  static final String SERVICE_TIER_AUTO = "auto";

  private OpenAiChatAttributesExtractor() {}

  public static OpenAiChatAttributesExtractor create() {
    return INSTANCE;
  }

  @Override
  public void onStart(AttributesBuilder attributes, Context parentContext, Object request) {
    try {
      attributes.put(GenAiAttributes.OPENAI_API_TYPE, API_TYPE_CHAT_COMPLETIONS);
      Object params = chatParams(request);
      String tier = string(optional(params, SERVICE_TIER));
      if (tier != null && !tier.equals(SERVICE_TIER_AUTO)) {
        attributes.put(GenAiAttributes.OPENAI_REQUEST_SERVICE_TIER, tier);
      }
      String conversation = conversationId(optional(params, METADATA));
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

  /** The SDK's chat params: the request itself, or what the upstream wrapper holds. */
  static Object chatParams(Object request) throws ReflectiveOperationException {
    if (request == null) {
      return null;
    }
    Method unwrap = UNWRAP.get(request.getClass());
    return unwrap == null ? request : unwrap.invoke(request);
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
    for (String key : OpenAiConversationKeys.METADATA) {
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
          return java.lang.reflect.Modifier.isPublic(m.getDeclaringClass().getModifiers())
              ? m
              : null;
        } catch (NoSuchMethodException e) {
          return null;
        }
      }
    };
  }
}
