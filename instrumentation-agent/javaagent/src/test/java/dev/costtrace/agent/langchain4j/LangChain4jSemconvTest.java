package dev.costtrace.agent.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.output.FinishReason;
import org.junit.jupiter.api.Test;

class LangChain4jSemconvTest {
  @Test
  void modelProvidersMapToSemconvProviderNames() {
    assertThat(LangChain4jSemconv.provider("OPEN_AI", "x.Model")).isEqualTo("openai");
    assertThat(LangChain4jSemconv.provider("AZURE_OPEN_AI", "x.Model"))
        .isEqualTo("azure.ai.openai");
    assertThat(LangChain4jSemconv.provider("ANTHROPIC", "x.Model")).isEqualTo("anthropic");
    assertThat(LangChain4jSemconv.provider("GOOGLE_AI_GEMINI", "x.Model")).isEqualTo("gcp.gemini");
    assertThat(LangChain4jSemconv.provider("GOOGLE_VERTEX_AI_GEMINI", "x.Model"))
        .isEqualTo("gcp.vertex_ai");
    assertThat(LangChain4jSemconv.provider("AMAZON_BEDROCK", "x.Model")).isEqualTo("aws.bedrock");
    assertThat(LangChain4jSemconv.provider("MISTRAL_AI", "x.Model")).isEqualTo("mistral_ai");
    assertThat(LangChain4jSemconv.provider("OLLAMA", "x.Model")).isEqualTo("ollama");
    assertThat(LangChain4jSemconv.provider("WATSONX", "x.Model")).isEqualTo("ibm.watsonx.ai");
  }

  @Test
  void everyModelProviderOfTheLangChain4jInUseHasAName() {
    for (ModelProvider p : ModelProvider.values()) {
      assertThat(LangChain4jSemconv.provider(p.name(), "com.example.CustomChatModel"))
          .as(p.name())
          .isNotBlank()
          .doesNotContain("_OTHER");
    }
  }

  @Test
  void otherOrMissingProviderFallsBackToTheModelClassThenToLangChain4j() {
    assertThat(LangChain4jSemconv.provider("OTHER", "dev.langchain4j.model.ollama.OllamaChatModel"))
        .isEqualTo("ollama");
    assertThat(
            LangChain4jSemconv.provider(
                null, "dev.langchain4j.model.azure.AzureOpenAiStreamingChatModel"))
        .isEqualTo("azure.ai.openai");
    assertThat(LangChain4jSemconv.provider(null, "com.acme.OpenAiProxyModel")).isEqualTo("openai");
    assertThat(LangChain4jSemconv.provider("OTHER", "com.acme.InHouseModel"))
        .isEqualTo("langchain4j");
  }

  @Test
  void finishReasonsAreSemconvOutputMessageReasons() {
    assertThat(LangChain4jSemconv.finishReason(FinishReason.STOP.name())).isEqualTo("stop");
    assertThat(LangChain4jSemconv.finishReason(FinishReason.LENGTH.name())).isEqualTo("length");
    assertThat(LangChain4jSemconv.finishReason(FinishReason.TOOL_EXECUTION.name()))
        .isEqualTo("tool_call");
    assertThat(LangChain4jSemconv.finishReason(FinishReason.CONTENT_FILTER.name()))
        .isEqualTo("content_filter");
    assertThat(LangChain4jSemconv.finishReason(null)).isNull();
  }

  @Test
  void theDefaultMemoryIdIsNoConversation() {
    assertThat(LangChain4jSemconv.conversationId("conv-7")).isEqualTo("conv-7");
    assertThat(LangChain4jSemconv.conversationId(42)).isEqualTo("42");
    assertThat(LangChain4jSemconv.conversationId("default")).isNull();
    assertThat(LangChain4jSemconv.conversationId(" ")).isNull();
    assertThat(LangChain4jSemconv.conversationId(null)).isNull();
  }
}
