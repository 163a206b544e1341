package dev.costtrace.agent.openai;

import dev.costtrace.agent.azure.AzureDeployments;
import dev.costtrace.agent.genai.GenAiAttributes;
import dev.costtrace.agent.genai.GenAiFailures;
import dev.costtrace.agent.genai.GenAiRequest;
import dev.costtrace.agent.http.LlmEndpoint;
import io.opentelemetry.api.trace.Span;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import java.net.URI;

/**
 * Where an OpenAI SDK client sends: the provider and server of its calls. The SDK speaks to Azure
 * OpenAI as well ({@code AzureOpenAIServiceVersion}, an Azure base URL or key credential, an Azure
 * URL path mode): such calls are {@code azure.ai.openai}, and the model they name is a deployment,
 * resolved to its model by {@link AzureDeployments} as the receiver does. Read from the service's
 * {@code ClientOptions} by name (any SDK version); contains its failures (then: OpenAI, no server).
 */
final class OpenAiEndpoint {
  static final OpenAiEndpoint OPENAI = new OpenAiEndpoint(false, null, null);

  private static final String AZURE_KEY_CREDENTIAL =
      "com.openai.azure.credential.AzureApiKeyCredential";

  private static final ClassValue<Field> CLIENT_OPTIONS =
      new ClassValue<Field>() {
        @Override
        protected Field computeValue(Class<?> type) {
          try {
            Field f = type.getDeclaredField("clientOptions");
            f.setAccessible(true);
            return f;
          } catch (NoSuchFieldException | RuntimeException e) {
            return null;
          }
        }
      };

  private final boolean azure;
  private final String host;
  private final Long port;

  private OpenAiEndpoint(boolean azure, String host, Long port) {
    this.azure = azure;
    this.host = host;
    this.port = port;
  }

  /** The endpoint of the SDK service object {@code service} (e.g. ChatCompletionServiceImpl). */
  static OpenAiEndpoint of(Object service) {
    try {
      Field f = service == null ? null : CLIENT_OPTIONS.get(service.getClass());
      Object options = f == null ? null : f.get(service);
      if (options == null) {
        return OPENAI;
      }
      URI base = URI.create(String.valueOf(call(options, "baseUrl")));
      Object credential = call(options, "credential");
      Object pathMode = call(options, "azureUrlPathMode"); // 4.x; AUTO unless the app chose one
      boolean azure =
          base.getHost() != null
                  && LlmEndpoint.providerForHost(base.getHost()).equals(PROVIDER_AZURE)
              || credential != null && credential.getClass().getName().equals(AZURE_KEY_CREDENTIAL)
              || pathMode != null && !pathMode.toString().equals("AUTO");
      return new OpenAiEndpoint(
          azure, base.getHost(), base.getPort() > 0 ? (long) base.getPort() : null);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return OPENAI;
    }
  }

  static final String PROVIDER_AZURE = "azure.ai.openai";

  boolean azure() {
    return azure;
  }

  String provider() {
    return azure ? PROVIDER_AZURE : GenAiAttributes.PROVIDER_OPENAI;
  }

  /** The request's model: on Azure, the deployment's model when the table knows it. */
  String model(String model) {
    return azure ? AzureDeployments.fromSystem().model(model) : model;
  }

  void applyTo(GenAiRequest.Builder b) {
    b.serverAddress(host).serverPort(port);
  }

  /**
   * On a span someone else made for an Azure call (the upstream agent's chat span, which says
   * {@code openai}): the provider, the deployment's model and the server.
   */
  void applyTo(Span span, String requestModel) {
    if (!azure || !span.isRecording()) {
      return;
    }
    span.setAttribute(GenAiAttributes.PROVIDER_NAME, PROVIDER_AZURE);
    if (requestModel != null) {
      span.setAttribute(GenAiAttributes.REQUEST_MODEL, model(requestModel));
      span.updateName(GenAiAttributes.OPERATION_CHAT + " " + model(requestModel));
    }
    if (host != null) {
      span.setAttribute(GenAiAttributes.SERVER_ADDRESS, host);
    }
    if (port != null) {
      span.setAttribute(GenAiAttributes.SERVER_PORT, port);
    }
  }

  private static Object call(Object target, String method) {
    try {
      Method m = target.getClass().getMethod(method);
      return m.invoke(target);
    } catch (NoSuchMethodException e) {
      return null;
    } catch (ReflectiveOperationException | RuntimeException e) {
      GenAiFailures.contain(e);
      return null;
    }
  }
}
