package dev.costtrace.agent.langchain4j;

import static org.assertj.core.api.Assertions.assertThat;

import dev.costtrace.agent.genai.GenAiRequest;
import dev.costtrace.agent.genai.GenAiResponse;
import dev.costtrace.agent.genai.GenAiUsage;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.anthropic.AnthropicChatModel;
import dev.langchain4j.model.anthropic.AnthropicTokenUsage;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.ChatResponseMetadata;
import dev.langchain4j.model.openai.OpenAiChatModel;
import dev.langchain4j.model.openai.OpenAiChatResponseMetadata;
import dev.langchain4j.model.openai.OpenAiTokenUsage;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import org.junit.jupiter.api.Test;

class LangChain4jModelsTest {
  private static ChatRequest request(String model, Integer maxTokens) {
    return ChatRequest.builder()
        .messages(UserMessage.from("Hi"))
        .modelName(model)
        .maxOutputTokens(maxTokens)
        .build();
  }

  @Test
  void requestHasTheProviderUnderneathTheModelAndMaxTokens() {
    OpenAiChatModel openAi =
        OpenAiChatModel.builder().apiKey("sk-test").modelName("gpt-4o-mini").build();
    GenAiRequest r = LangChain4jModels.request(openAi, request("gpt-4o-mini", 256), false, "c-1");
    assertThat(r.provider()).isEqualTo("openai");
    assertThat(r.operation()).isEqualTo("chat");
    assertThat(r.requestModel()).isEqualTo("gpt-4o-mini");
    assertThat(r.maxTokens()).isEqualTo(256L);
    assertThat(r.conversationId()).isEqualTo("c-1");
    AnthropicChatModel anthropic =
        AnthropicChatModel.builder().apiKey("k").modelName("claude-sonnet-4-5").build();
    GenAiRequest a =
        LangChain4jModels.request(anthropic, request("claude-sonnet-4-5", null), true, null);
    assertThat(a.provider()).isEqualTo("anthropic");
    assertThat(a.streaming()).isTrue();
    assertThat(a.maxTokens()).isNull();
  }

  @Test
  void openAiUsageKeepsCachedAndReasoningDetails() {
    OpenAiTokenUsage u =
        OpenAiTokenUsage.builder()
            .inputTokenCount(2210)
            .inputTokensDetails(
                OpenAiTokenUsage.InputTokensDetails.builder().cachedTokens(1920).build())
            .outputTokenCount(340)
            .outputTokensDetails(
                OpenAiTokenUsage.OutputTokensDetails.builder().reasoningTokens(256).build())
            .build();
    GenAiUsage usage = LangChain4jModels.usage(u);
    assertThat(usage.inputTokens()).isEqualTo(2210L);
    assertThat(usage.cacheReadInputTokens()).isEqualTo(1920L);
    assertThat(usage.outputTokens()).isEqualTo(340L);
    assertThat(usage.reasoningOutputTokens()).isEqualTo(256L);
  }

  @Test
  void anthropicInputGetsTheCacheAddedBack() {
    AnthropicTokenUsage u =
        AnthropicTokenUsage.builder()
            .inputTokenCount(21)
            .outputTokenCount(12)
            .cacheReadInputTokens(1500)
            .cacheCreationInputTokens(4000)
            .build();
    GenAiUsage usage = LangChain4jModels.usage(u);
    assertThat(usage.inputTokens()).isEqualTo(5521L);
    assertThat(usage.cacheReadInputTokens()).isEqualTo(1500L);
    assertThat(usage.cacheCreationInputTokens()).isEqualTo(4000L);
    assertThat(usage.outputTokens()).isEqualTo(12L);
  }

  @Test
  void plainTokenUsageHasOnlyInputAndOutputAndMissingCountsStayMissing() {
    GenAiUsage usage = LangChain4jModels.usage(new TokenUsage(10, null));
    assertThat(usage.inputTokens()).isEqualTo(10L);
    assertThat(usage.outputTokens()).isNull();
    assertThat(usage.cacheReadInputTokens()).isNull();
    assertThat(LangChain4jModels.usage(null)).isNull();
  }

  @Test
  void responseHasIdModelFinishReasonAndOpenAiServiceTier() {
    ChatResponse openAi =
        ChatResponse.builder()
            .aiMessage(AiMessage.from("391"))
            .metadata(
                OpenAiChatResponseMetadata.builder()
                    .id("chatcmpl-1")
                    .modelName("o4-mini-2025-04-16")
                    .finishReason(FinishReason.STOP)
                    .tokenUsage(new TokenUsage(5, 6))
                    .serviceTier("flex")
                    .build())
            .build();
    GenAiResponse r = LangChain4jModels.response(openAi);
    assertThat(r.responseId()).isEqualTo("chatcmpl-1");
    assertThat(r.responseModel()).isEqualTo("o4-mini-2025-04-16");
    assertThat(r.finishReasons()).containsExactly("stop");
    assertThat(r.serviceTier()).isEqualTo("flex");
    assertThat(r.usage().outputTokens()).isEqualTo(6L);

    ChatResponse bare =
        ChatResponse.builder()
            .aiMessage(AiMessage.from("ok"))
            .metadata(
                ChatResponseMetadata.builder().finishReason(FinishReason.TOOL_EXECUTION).build())
            .build();
    GenAiResponse b = LangChain4jModels.response(bare);
    assertThat(b.finishReasons()).containsExactly("tool_call");
    assertThat(b.responseId()).isNull();
    assertThat(b.usage()).isNull();
  }
}
