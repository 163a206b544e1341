package dev.costtrace.agent.openai;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.core.JsonValue;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.opentelemetry.api.common.AttributeKey;
import io.opentelemetry.api.common.Attributes;
import io.opentelemetry.api.common.AttributesBuilder;
import io.opentelemetry.context.Context;
import org.junit.jupiter.api.Test;

class OpenAiChatAttributesExtractorTest {
  /** Stands in for upstream 2.33's package-private, final ChatCompletionRequest. */
  static final class WrappedRequest {
    private final ChatCompletionCreateParams request;

    WrappedRequest(ChatCompletionCreateParams request) {
      this.request = request;
    }

    ChatCompletionCreateParams getRequest() {
      return request;
    }
  }

  private static ChatCompletionCreateParams params(ChatCompletionCreateParams.ServiceTier tier) {
    return ChatCompletionCreateParams.builder()
        .model("gpt-4o-mini")
        .addUserMessage("Capital of France?")
        .serviceTier(tier)
        .metadata(
            ChatCompletionCreateParams.Metadata.builder()
                .putAdditionalProperty("conversation_id", JsonValue.from("conv-meta-1"))
                .build())
        .build();
  }

  private static Attributes onStart(Object request) {
    AttributesBuilder b = Attributes.builder();
    OpenAiChatAttributesExtractor.create().onStart(b, Context.root(), request);
    return b.build();
  }

  @Test
  void readsTheParamsInsideTheUpstreamWrapper() {
    Attributes a =
        onStart(new WrappedRequest(params(ChatCompletionCreateParams.ServiceTier.DEFAULT)));
    assertThat(a.get(AttributeKey.stringKey("openai.request.service_tier"))).isEqualTo("default");
    assertThat(a.get(AttributeKey.stringKey("gen_ai.conversation.id"))).isEqualTo("conv-meta-1");
    assertThat(a.get(AttributeKey.stringKey("openai.api.type"))).isEqualTo("chat_completions");
  }

  @Test
  void readsBareParamsAsOlderAgentsPassThem() {
    Attributes a = onStart(params(ChatCompletionCreateParams.ServiceTier.PRIORITY));
    assertThat(a.get(AttributeKey.stringKey("openai.request.service_tier"))).isEqualTo("priority");
    assertThat(a.get(AttributeKey.stringKey("gen_ai.conversation.id"))).isEqualTo("conv-meta-1");
  }

  @Test
  void autoIsNotWrittenAsARequestedTier() {
    Attributes a = onStart(new WrappedRequest(params(ChatCompletionCreateParams.ServiceTier.AUTO)));
    assertThat(a.get(AttributeKey.stringKey("openai.request.service_tier"))).isNull();
  }

  @Test
  void anUnknownRequestTypeAddsOnlyTheApiType() {
    Attributes a = onStart("not a request");
    assertThat(a.size()).isEqualTo(1);
    assertThat(a.get(AttributeKey.stringKey("openai.api.type"))).isEqualTo("chat_completions");
  }
}
