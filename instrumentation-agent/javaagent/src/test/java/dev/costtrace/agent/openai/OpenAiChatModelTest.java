package dev.costtrace.agent.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.core.JsonValue;
import com.openai.core.ObjectMappers;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.costtrace.agent.genai.GenAiRequest;
import dev.costtrace.agent.genai.GenAiResponse;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class OpenAiChatModelTest {
  private static <T> T parse(String json, Class<T> type) throws Exception {
    return ObjectMappers.jsonMapper().readValue(json, type);
  }

  @Test
  void requestCarriesModelMaxTokensTierAndConversationFromMetadata() {
    GenAiRequest r =
        OpenAiChatModel.request(
            ChatCompletionCreateParams.builder()
                .model("gpt-4o-mini")
                .addUserMessage("Capital of France?")
                .maxCompletionTokens(256)
                .serviceTier(ChatCompletionCreateParams.ServiceTier.PRIORITY)
                .metadata(
                    ChatCompletionCreateParams.Metadata.builder()
                        .putAdditionalProperty("session_id", JsonValue.from("sess-4"))
                        .putAdditionalProperty("conversation_id", JsonValue.from(" conv-7 "))
                        .build())
                .build(),
            false);
    assertThat(r.requestModel()).isEqualTo("gpt-4o-mini");
    assertThat(r.maxTokens()).isEqualTo(256L);
    assertThat(r.serviceTier()).isEqualTo("priority");
    // conversation_id comes first in the key order, trimmed.
    assertThat(r.conversationId()).isEqualTo("conv-7");
  }

  @Test
  void completionUsageWithCacheReadAndReasoning() throws Exception {
    String json;
    try (InputStream in =
        getClass().getClassLoader().getResourceAsStream("fixtures/openai/chat-completion.json")) {
      json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    GenAiResponse r = OpenAiChatModel.response(parse(json, ChatCompletion.class));
    assertThat(r.responseId()).isEqualTo("chatcmpl-CQ3tXk9vY2aLrB7mN4pE1sQ8wZ0dF");
    assertThat(r.responseModel()).isEqualTo("gpt-4o-mini-2024-07-18");
    assertThat(r.finishReasons()).containsExactly("stop");
    assertThat(r.serviceTier()).isEqualTo("default");
    assertThat(r.usage().inputTokens()).isEqualTo(1342L);
    assertThat(r.usage().cacheReadInputTokens()).isEqualTo(1024L);
    assertThat(r.usage().outputTokens()).isEqualTo(9L);
    assertThat(r.usage().reasoningOutputTokens()).isEqualTo(0L);
  }

  @Test
  void chunksAddFinishReasonAndFinalUsage() throws Exception {
    GenAiResponse.Builder b = GenAiResponse.builder();
    OpenAiChatModel.fill(
        b,
        parse(
            "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini-2024-07-18\","
                + "\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"length\"}]}",
            ChatCompletionChunk.class));
    OpenAiChatModel.fill(
        b,
        parse(
            "{\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":1,\"model\":\"gpt-4o-mini-2024-07-18\","
                + "\"choices\":[],\"usage\":{\"prompt_tokens\":20,\"completion_tokens\":5,\"total_tokens\":25}}",
            ChatCompletionChunk.class));
    GenAiResponse r = b.build();
    assertThat(r.responseId()).isEqualTo("chatcmpl-1");
    assertThat(r.finishReasons()).containsExactly("length");
    assertThat(r.usage().inputTokens()).isEqualTo(20L);
    assertThat(r.usage().outputTokens()).isEqualTo(5L);
    assertThat(r.usage().cacheReadInputTokens()).isNull();
  }
}
