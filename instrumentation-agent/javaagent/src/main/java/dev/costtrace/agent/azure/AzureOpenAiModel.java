package dev.costtrace.agent.azure;

import com.azure.ai.openai.models.ChatChoice;
import com.azure.ai.openai.models.ChatCompletions;
import com.azure.ai.openai.models.ChatCompletionsOptions;
import com.azure.ai.openai.models.CompletionsUsage;
import com.azure.core.util.BinaryData;
import dev.costtrace.agent.genai.GenAiAttributes;
import dev.costtrace.agent.genai.GenAiFailures;
import dev.costtrace.agent.genai.GenAiInputText;
import dev.costtrace.agent.genai.GenAiRequest;
import dev.costtrace.agent.genai.GenAiResponse;
import dev.costtrace.agent.genai.GenAiUsage;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.URI;

/**
 * Maps the Azure OpenAI client library's request and response objects to the foundation's model.
 * The client says where it sends: an Azure endpoint ({@code serviceClient}, provider {@code
 * azure.ai.openai}, the deployment's model from {@link AzureDeployments}) or, built with an OpenAI
 * key, OpenAI itself ({@code openAIServiceClient}, provider {@code openai}). Usage as OpenAI
 * reports it: prompt tokens include cached ones, completion tokens include reasoning. Each getter
 * may throw on a malformed response: callers contain that.
 */
public final class AzureOpenAiModel {
  public static final String PROVIDER_AZURE_OPENAI = "azure.ai.openai";

  private static final ClassValue<Field> SERVICE_CLIENT = field("serviceClient");
  private static final ClassValue<Field> OPENAI_SERVICE_CLIENT = field("openAIServiceClient");

  /** False once this library turned out to lack {@code getMaxCompletionTokens()}. */
  private static volatile boolean maxCompletionTokensAvailable = true;

  private AzureOpenAiModel() {}

  /**
   * @param client the {@code OpenAIClient} or {@code OpenAIAsyncClient} making the call
   * @param deploymentOrModel the method's first argument: an Azure deployment, or OpenAI's model
   */
  public static GenAiRequest request(
      Object client, String deploymentOrModel, ChatCompletionsOptions options, boolean streaming) {
    return request(client, deploymentOrModel, options, streaming, true);
  }

  /**
   * @param replaceable whether a budget downgrade can replace the first argument (before the call
   *     is made; not for an async call, admitted when its {@code Mono} is subscribed): then
   *     OpenAI's any model, an Azure deployment serving the cheaper model ({@link
   *     AzureDeployments#deployment}); else none
   */
  public static GenAiRequest request(
      Object client,
      String deploymentOrModel,
      ChatCompletionsOptions options,
      boolean streaming,
      boolean replaceable) {
    Object azure = value(SERVICE_CLIENT, client);
    boolean openAi = azure == null && value(OPENAI_SERVICE_CLIENT, client) != null;
    GenAiRequest.Builder b =
        GenAiRequest.builder(
                openAi ? GenAiAttributes.PROVIDER_OPENAI : PROVIDER_AZURE_OPENAI,
                GenAiAttributes.OPERATION_CHAT)
            .streaming(streaming)
            .requestModel(
                openAi
                    ? deploymentOrModel
                    : AzureDeployments.fromSystem().model(deploymentOrModel));
    if (!replaceable) {
      b.notDowngradable();
    } else if (!openAi) {
      b.downgradable(m -> AzureDeployments.fromSystem().deployment(m) != null);
    }
    b.inputText(() -> inputText(options));
    URI endpoint = openAi ? URI.create("https://api.openai.com") : endpoint(azure);
    if (endpoint != null && endpoint.getHost() != null) {
      b.serverAddress(endpoint.getHost());
      if (endpoint.getPort() > 0) {
        b.serverPort((long) endpoint.getPort());
      }
    }
    if (options != null) {
      Integer max = null;
      if (maxCompletionTokensAvailable) {
        try {
          max = options.getMaxCompletionTokens();
        } catch (LinkageError e) {
          maxCompletionTokensAvailable = false; // 1.0.0-beta.12 has max tokens only
        }
      }
      if (max == null) {
        max = options.getMaxTokens();
      }
      b.maxTokens(max == null ? null : max.longValue());
    }
    return b.build();
  }

  /** Whether {@code client} talks to OpenAI itself (an OpenAI key), not to an Azure endpoint. */
  static boolean isOpenAi(Object client) {
    return value(SERVICE_CLIENT, client) == null && value(OPENAI_SERVICE_CLIENT, client) != null;
  }

  /** The request's text for the budget estimate: the options as the library serialises them. */
  static CharSequence inputText(ChatCompletionsOptions options) {
    if (options == null) {
      return null;
    }
    byte[] json = BinaryData.fromObject(options).toBytes();
    return GenAiInputText.fromJson(json, json.length);
  }

  public static GenAiResponse response(ChatCompletions completions) {
    return fill(GenAiResponse.builder(), completions).build();
  }

  /** A completion, or one streamed chunk of it, into {@code b}. */
  static GenAiResponse.Builder fill(GenAiResponse.Builder b, ChatCompletions completions) {
    b.responseId(nonEmpty(completions.getId()))
        .responseModel(nonEmpty(AzureDeployments.fromSystem().model(completions.getModel())));
    if (completions.getChoices() != null) {
      for (ChatChoice choice : completions.getChoices()) {
        if (choice != null && choice.getFinishReason() != null) {
          b.addFinishReason(choice.getFinishReason().toString());
        }
      }
    }
    CompletionsUsage usage = completions.getUsage();
    if (usage != null) {
      b.usage(usage(usage));
    }
    return b;
  }

  static GenAiUsage usage(CompletionsUsage usage) {
    Long cached = null;
    Long reasoning = null;
    if (AzureUsageDetails.available) {
      try {
        cached = AzureUsageDetails.cachedTokens(usage);
        reasoning = AzureUsageDetails.reasoningTokens(usage);
      } catch (LinkageError e) {
        AzureUsageDetails.available = false;
      }
    }
    return GenAiUsage.builder()
        .inputTokens((long) usage.getPromptTokens())
        .outputTokens((long) usage.getCompletionTokens())
        .cacheReadInputTokens(cached)
        .reasoningOutputTokens(reasoning)
        .build();
  }

  private static URI endpoint(Object serviceClient) {
    if (serviceClient == null) {
      return null;
    }
    try {
      Method getEndpoint = serviceClient.getClass().getMethod("getEndpoint");
      Object endpoint = getEndpoint.invoke(serviceClient);
      return endpoint == null ? null : URI.create(endpoint.toString());
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return null;
    }
  }

  private static Object value(ClassValue<Field> field, Object target) {
    if (target == null) {
      return null;
    }
    try {
      Field f = field.get(target.getClass());
      return f == null ? null : f.get(target);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return null;
    }
  }

  private static ClassValue<Field> field(String name) {
    return new ClassValue<Field>() {
      @Override
      protected Field computeValue(Class<?> type) {
        try {
          Field f = type.getDeclaredField(name);
          f.setAccessible(true);
          return f;
        } catch (NoSuchFieldException | RuntimeException e) {
          return null;
        }
      }
    };
  }

  private static String nonEmpty(String s) {
    return s == null || s.isEmpty() ? null : s;
  }
}
