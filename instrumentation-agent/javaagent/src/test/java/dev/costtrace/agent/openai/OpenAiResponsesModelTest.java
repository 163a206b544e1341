package dev.costtrace.agent.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.core.ObjectMappers;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseConversationParam;
import com.openai.models.responses.ResponseCreateParams;
import dev.costtrace.agent.genai.GenAiRequest;
import dev.costtrace.agent.genai.GenAiResponse;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

class OpenAiResponsesModelTest {
  private static ResponseCreateParams.Builder params() {
    return ResponseCreateParams.builder().model("o4-mini").input("Capital of France?");
  }

  private static Response fixture(String name) throws Exception {
    try (InputStream in =
        OpenAiResponsesModelTest.class.getClassLoader().getResourceAsStream(name)) {
      return ObjectMappers.jsonMapper().readValue(in, Response.class);
    }
  }

  @Test
  void requestCarriesModelMaxTokensTierAndStreamFlag() {
    GenAiRequest r =
        OpenAiResponsesModel.request(
            params()
                .maxOutputTokens(512)
                .serviceTier(ResponseCreateParams.ServiceTier.FLEX)
                .build(),
            true);
    assertThat(r.provider()).isEqualTo("openai");
    assertThat(r.operation()).isEqualTo("chat");
    assertThat(r.requestModel()).isEqualTo("o4-mini");
    assertThat(r.maxTokens()).isEqualTo(512L);
    assertThat(r.serviceTier()).isEqualTo("flex");
    assertThat(r.streaming()).isTrue();
    assertThat(r.conversationId()).isNull();
  }

  @Test
  void autoServiceTierIsNotARequestedTier() {
    GenAiRequest r =
        OpenAiResponsesModel.request(
            params().serviceTier(ResponseCreateParams.ServiceTier.AUTO).build(), false);
    assertThat(r.serviceTier()).isNull();
  }

  @Test
  void conversationIdFromEitherFormOfTheConversationField() {
    assertThat(
            OpenAiResponsesModel.request(params().conversation("conv_1").build(), false)
                .conversationId())
        .isEqualTo("conv_1");
    ResponseCreateParams asObject =
        params().conversation(ResponseConversationParam.builder().id("conv_2").build()).build();
    assertThat(OpenAiResponsesModel.request(asObject, false).conversationId()).isEqualTo("conv_2");
    // previous_response_id names a response, not a conversation.
    assertThat(
            OpenAiResponsesModel.request(params().previousResponseId("resp_9").build(), false)
                .conversationId())
        .isNull();
  }

  @Test
  void responseUsageIsSemconvInputAndOutputWithCacheReadAndReasoning() throws Exception {
    GenAiResponse r =
        OpenAiResponsesModel.response(fixture("fixtures/openai-compatible/responses.json"));
    assertThat(r.responseId()).isEqualTo("resp_68d1f0a2c5e08190b1f3a6c2d4e5f60708");
    assertThat(r.responseModel()).isEqualTo("o4-mini-2025-04-16");
    assertThat(r.finishReasons()).containsExactly("completed");
    assertThat(r.serviceTier()).isEqualTo("default");
    assertThat(r.usage().inputTokens()).isEqualTo(1536L);
    assertThat(r.usage().cacheReadInputTokens()).isEqualTo(1280L);
    assertThat(r.usage().outputTokens()).isEqualTo(212L);
    assertThat(r.usage().reasoningOutputTokens()).isEqualTo(192L);
    assertThat(r.usage().cacheCreationInputTokens()).isNull();
  }

  @Test
  void malformedFieldsAreLeftOutAndTheRestIsKept() throws Exception {
    GenAiResponse r =
        OpenAiResponsesModel.response(fixture("fixtures/openai/response-malformed.json"));
    assertThat(r.responseId()).isEqualTo("resp_68d2b07a11c48190aa0b1c2d3e4f5061");
    assertThat(r.usage().inputTokens()).isNull();
    assertThat(r.usage().cacheReadInputTokens()).isNull();
    assertThat(r.usage().outputTokens()).isEqualTo(212L);
    assertThat(r.usage().reasoningOutputTokens()).isEqualTo(192L);
  }

  @Test
  void incompleteResponseReportsItsReason() throws Exception {
    String json =
        "{\"id\":\"resp_1\",\"object\":\"response\",\"created_at\":1,\"status\":\"incomplete\","
            + "\"incomplete_details\":{\"reason\":\"max_output_tokens\"},\"model\":\"o4-mini\","
            + "\"output\":[],\"parallel_tool_calls\":true,\"tool_choice\":\"auto\",\"tools\":[]}";
    GenAiResponse r =
        OpenAiResponsesModel.response(ObjectMappers.jsonMapper().readValue(json, Response.class));
    assertThat(r.finishReasons()).containsExactly("max_output_tokens");
    assertThat(r.usage()).isNull();
  }
}
