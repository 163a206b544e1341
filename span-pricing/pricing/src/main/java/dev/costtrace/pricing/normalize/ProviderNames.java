package dev.costtrace.pricing.normalize;

import java.util.Locale;
import java.util.Map;

/**
 * Maps the many spellings of a provider (OTel {@code gen_ai.provider.name} values, the deprecated
 * {@code gen_ai.system}, Spring AI, LangChain4j enum names, OpenInference) and API host names to
 * the price catalog's provider ids.
 */
public final class ProviderNames {
  private static final Map<String, String> ALIASES =
      Map.ofEntries(
          Map.entry("openai", "openai"),
          Map.entry("open_ai", "openai"),
          Map.entry("azure.ai.openai", "azure"),
          Map.entry("az.ai.openai", "azure"),
          Map.entry("azure_openai", "azure"),
          Map.entry("azure-openai", "azure"),
          Map.entry("azure_open_ai", "azure"),
          Map.entry("azure", "azure"),
          Map.entry("azure.ai.inference", "azure"),
          Map.entry("az.ai.inference", "azure"),
          Map.entry("anthropic", "anthropic"),
          Map.entry("aws.bedrock", "aws"),
          Map.entry("aws_bedrock", "aws"),
          Map.entry("bedrock", "aws"),
          Map.entry("bedrock_converse", "aws"),
          Map.entry("amazon_bedrock", "aws"),
          Map.entry("bedrock-runtime", "aws"),
          Map.entry("aws", "aws"),
          Map.entry("gcp.gemini", "google"),
          Map.entry("gcp.vertex_ai", "google"),
          Map.entry("gcp.gen_ai", "google"),
          Map.entry("vertex_ai", "google"),
          Map.entry("vertexai", "google"),
          Map.entry("vertex", "google"),
          Map.entry("google_genai", "google"),
          Map.entry("google_ai_studio", "google"),
          Map.entry("google_ai_gemini", "google"),
          Map.entry("google_vertex_ai_gemini", "google"),
          Map.entry("gemini", "google"),
          Map.entry("google", "google"),
          Map.entry("mistral_ai", "mistral"),
          Map.entry("mistralai", "mistral"),
          Map.entry("mistral", "mistral"),
          Map.entry("deepseek", "deepseek"),
          Map.entry("xai", "x-ai"),
          Map.entry("x_ai", "x-ai"),
          Map.entry("x-ai", "x-ai"),
          Map.entry("grok", "x-ai"),
          Map.entry("groq", "groq"),
          Map.entry("cohere", "cohere"),
          Map.entry("perplexity", "perplexity"),
          Map.entry("together", "together"),
          Map.entry("together_ai", "together"),
          Map.entry("fireworks", "fireworks"),
          Map.entry("fireworks_ai", "fireworks"),
          Map.entry("openrouter", "openrouter"),
          Map.entry("ollama", "ollama"),
          Map.entry("meta", "meta"),
          Map.entry("ibm.watsonx.ai", "ibm"),
          Map.entry("watsonx", "ibm"));

  private ProviderNames() {}

  /** The catalog id for a provider name as an emitter spelled it; lower-cased input if unknown. */
  public static String canonical(String name) {
    if (name == null || name.isEmpty()) {
      return "";
    }
    String key = name.trim().toLowerCase(Locale.ROOT);
    String known = ALIASES.get(key);
    return known != null ? known : key;
  }

  /** The provider behind an API host ({@code server.address}), or empty when not recognised. */
  public static String fromServerAddress(String host, long port) {
    if (host == null || host.isEmpty()) {
      return "";
    }
    String h = host.toLowerCase(Locale.ROOT);
    if (h.equals("api.openai.com")) {
      return "openai";
    }
    if (h.endsWith(".openai.azure.com") || h.endsWith(".services.ai.azure.com")) {
      return "azure";
    }
    if (h.equals("api.anthropic.com")) {
      return "anthropic";
    }
    if (h.equals("generativelanguage.googleapis.com") || h.endsWith("aiplatform.googleapis.com")) {
      return "google";
    }
    if (h.startsWith("bedrock-runtime.") && h.endsWith(".amazonaws.com")) {
      return "aws";
    }
    if (h.equals("api.mistral.ai")) {
      return "mistral";
    }
    if (h.equals("api.deepseek.com")) {
      return "deepseek";
    }
    if (h.equals("api.x.ai")) {
      return "x-ai";
    }
    if (h.equals("openrouter.ai")) {
      return "openrouter";
    }
    if (h.equals("api.groq.com")) {
      return "groq";
    }
    if (h.equals("api.cohere.com") || h.equals("api.cohere.ai")) {
      return "cohere";
    }
    if (port == 11434 && (h.equals("localhost") || h.equals("127.0.0.1"))) {
      return "ollama";
    }
    return "";
  }
}
