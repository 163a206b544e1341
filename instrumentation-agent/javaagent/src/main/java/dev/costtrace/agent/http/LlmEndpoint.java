package dev.costtrace.agent.http;

import java.util.Locale;

/**
 * What an OpenAI-compatible request is: the provider (from the host, as the OTel GenAI {@code
 * gen_ai.provider.name} value) and the operation (from the path).
 */
public final class LlmEndpoint {
  public static final String OP_CHAT = "chat";
  public static final String OP_TEXT_COMPLETION = "text_completion";
  public static final String OP_EMBEDDINGS = "embeddings";

  /** The Responses API: billed like chat, its payload shape differs. */
  public static final String OP_RESPONSES = "chat";

  private final String provider;
  private final String operation;
  private final boolean responsesApi;
  private final String azureDeployment;

  private LlmEndpoint(
      String provider, String operation, boolean responsesApi, String azureDeployment) {
    this.provider = provider;
    this.operation = operation;
    this.responsesApi = responsesApi;
    this.azureDeployment = azureDeployment;
  }

  /** The endpoint for a listed host, or {@code null} when the path is not an LLM operation. */
  static LlmEndpoint of(String host, String path) {
    String p = path;
    String deployment = null;
    if (p.startsWith("/openai/deployments/")) {
      // Azure: /openai/deployments/{deployment}/chat/completions?api-version=...
      int start = "/openai/deployments/".length();
      int slash = p.indexOf('/', start);
      if (slash < 0) {
        return null;
      }
      deployment = p.substring(start, slash);
      p = "/v1" + p.substring(slash);
    } else if (p.startsWith("/openai/v1/")) {
      p = p.substring("/openai".length()); // Azure's v1-style path
    }
    String provider = providerForHost(host);
    if (p.endsWith("/")) {
      p = p.substring(0, p.length() - 1);
    }
    if (p.endsWith("/v1/chat/completions") || p.equals("/chat/completions")) {
      return new LlmEndpoint(provider, OP_CHAT, false, deployment);
    }
    if (p.endsWith("/v1/completions")) {
      return new LlmEndpoint(provider, OP_TEXT_COMPLETION, false, deployment);
    }
    if (p.endsWith("/v1/embeddings")) {
      return new LlmEndpoint(provider, OP_EMBEDDINGS, false, deployment);
    }
    if (p.endsWith("/v1/responses")) {
      return new LlmEndpoint(provider, OP_RESPONSES, true, deployment);
    }
    return null;
  }

  /**
   * The {@code gen_ai.provider.name} for a host: well-known vendors by name, Ollama's default port,
   * else {@code openai} (the API the request speaks) — pricing falls back to the model's catalog
   * entry either way.
   */
  public static String providerForHost(String host) {
    String h = host.toLowerCase(Locale.ROOT);
    if (h.endsWith(".openai.azure.com") || h.endsWith(".services.ai.azure.com")) {
      return "azure.ai.openai";
    }
    if (h.equals("api.openai.com")) {
      return "openai";
    }
    if (h.equals("api.groq.com")) {
      return "groq";
    }
    if (h.equals("api.deepseek.com")) {
      return "deepseek";
    }
    if (h.equals("api.mistral.ai")) {
      return "mistral_ai";
    }
    if (h.equals("api.x.ai")) {
      return "x_ai";
    }
    if (h.equals("generativelanguage.googleapis.com")) {
      return "gcp.gemini";
    }
    return "openai";
  }

  /** {@code ollama} for requests to Ollama's default port, whatever the host. */
  static LlmEndpoint withPort(LlmEndpoint e, int port) {
    return port == 11434
        ? new LlmEndpoint("ollama", e.operation, e.responsesApi, e.azureDeployment)
        : e;
  }

  public String provider() {
    return provider;
  }

  public String operation() {
    return operation;
  }

  public boolean responsesApi() {
    return responsesApi;
  }

  /** Azure's deployment name from the path, the request model when the body names none. */
  public String azureDeployment() {
    return azureDeployment;
  }
}
