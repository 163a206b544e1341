package dev.costtrace.agent.springai;

import java.util.Locale;

/**
 * Spring AI's {@code AiProvider} values (1.0 to 2.0) as {@code gen_ai.provider.name}; plain strings
 * in and out, testable without Spring AI. A value it does not know is kept as Spring AI spells it
 * (the receiver looks provider names up case-insensitively and falls back to the model).
 */
final class SpringAiProviders {
  /** A model call whose observation names no provider. */
  static final String UNKNOWN = "spring_ai";

  private SpringAiProviders() {}

  static String semconv(String springAiProvider) {
    if (springAiProvider == null || springAiProvider.trim().isEmpty()) {
      return null;
    }
    String p = springAiProvider.trim().toLowerCase(Locale.ROOT);
    switch (p) {
      case "azure-openai":
      case "azure_openai":
        return "azure.ai.openai";
      case "bedrock_converse":
        return "aws.bedrock";
      case "vertex_ai":
        return "gcp.vertex_ai";
      case "google_genai":
        return "gcp.gen_ai";
      case "oci_genai":
        return "oci.genai";
      default:
        return p; // openai, anthropic, mistral_ai, deepseek, ollama, ... as semconv spells them
    }
  }
}
