package dev.costtrace.agent.langchain4j;

import java.util.Locale;

/**
 * LangChain4j's names mapped to semconv values: the {@code ModelProvider} of a chat model to {@code
 * gen_ai.provider.name}, and its normalised {@code FinishReason} to a finish reason. Plain strings
 * in and out, so it is testable without LangChain4j.
 */
final class LangChain4jSemconv {
  /** The provider of a model nothing identifies (an in-house or wrapping model). */
  static final String UNKNOWN_PROVIDER = "langchain4j";

  private LangChain4jSemconv() {}

  /**
   * The provider underneath a chat model: from {@code provider()} ({@code ModelProvider} name),
   * else (a model that reports {@code OTHER}, or none) from the model's class name, e.g. {@code
   * dev.langchain4j.model.ollama.OllamaChatModel}; else {@link #UNKNOWN_PROVIDER}, which says at
   * least who made the span (a known model it delegates to names the provider later, see {@code
   * LangChain4jTelemetry}). A model pointed at another vendor's OpenAI-compatible URL reports
   * {@code OPEN_AI} and is recorded as {@code openai}.
   */
  static String provider(String modelProvider, String modelClassName) {
    String fromEnum = fromModelProvider(modelProvider);
    if (fromEnum != null) {
      return fromEnum;
    }
    String fromClass = fromClassName(modelClassName);
    return fromClass != null ? fromClass : UNKNOWN_PROVIDER;
  }

  static String fromModelProvider(String name) {
    if (name == null) {
      return null;
    }
    switch (name) {
      case "OPEN_AI":
        return "openai";
      case "AZURE_OPEN_AI":
        return "azure.ai.openai";
      case "MICROSOFT_FOUNDRY":
      case "GITHUB_MODELS": // GitHub Models serve through the Azure AI inference API
        return "azure.ai.inference";
      case "ANTHROPIC":
        return "anthropic";
      case "GOOGLE_AI_GEMINI":
        return "gcp.gemini";
      case "GOOGLE_VERTEX_AI_GEMINI":
      case "GOOGLE_VERTEX_AI_ANTHROPIC":
        return "gcp.vertex_ai";
      case "GOOGLE_GENAI":
        return "gcp.gen_ai";
      case "AMAZON_BEDROCK":
        return "aws.bedrock";
      case "MISTRAL_AI":
        return "mistral_ai";
      case "OLLAMA":
        return "ollama";
      case "WATSONX":
        return "ibm.watsonx.ai";
      case "COHERE":
        return "cohere";
      case "OTHER":
        return null;
      default:
        return name.toLowerCase(Locale.ROOT);
    }
  }

  /** From the LangChain4j module a model class lives in ({@code dev.langchain4j.model.<x>.}). */
  static String fromClassName(String className) {
    if (className == null) {
      return null;
    }
    String n = className.toLowerCase(Locale.ROOT);
    if (n.contains(".azure.") || n.contains("azureopenai")) {
      return "azure.ai.openai";
    }
    if (n.contains("openai")) {
      return "openai";
    }
    if (n.contains("anthropic")) {
      return "anthropic";
    }
    if (n.contains("vertexai")) {
      return "gcp.vertex_ai";
    }
    if (n.contains("gemini") || n.contains(".googleai.")) {
      return "gcp.gemini";
    }
    if (n.contains("bedrock")) {
      return "aws.bedrock";
    }
    if (n.contains("mistral")) {
      return "mistral_ai";
    }
    if (n.contains("ollama")) {
      return "ollama";
    }
    if (n.contains("watsonx")) {
      return "ibm.watsonx.ai";
    }
    return null;
  }

  /**
   * LangChain4j normalises every vendor's stop reason to {@code FinishReason}; these are the
   * semconv output-message finish reasons ({@code stop}, {@code length}, {@code content_filter},
   * {@code tool_call}).
   */
  static String finishReason(String finishReason) {
    if (finishReason == null) {
      return null;
    }
    switch (finishReason) {
      case "TOOL_EXECUTION":
        return "tool_call";
      default:
        return finishReason.toLowerCase(Locale.ROOT);
    }
  }

  /** A chat memory ID as a conversation ID; LangChain4j's {@code "default"} is no conversation. */
  static String conversationId(Object memoryId) {
    if (memoryId == null) {
      return null;
    }
    String s = memoryId.toString().trim();
    return s.isEmpty() || s.equals("default") ? null : s;
  }
}
