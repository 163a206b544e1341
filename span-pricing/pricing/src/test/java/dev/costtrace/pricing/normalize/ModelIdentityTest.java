package dev.costtrace.pricing.normalize;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ModelIdentityTest {
  private final ModelIdentity identity = new ModelIdentity(Map.of("Prod-GPT4o", "gpt-4o"));

  @Test
  void lowerCasesAndKeepsPlainIds() {
    assertThat(identity.resolve("openai", "GPT-4o").candidates()).containsExactly("gpt-4o");
  }

  @Test
  void providerPrefixBecomesVendorHint() {
    ModelIdentity.ModelRef ref = identity.resolve("openrouter", "anthropic/claude-sonnet-4.5");
    assertThat(ref.vendor()).isEqualTo("anthropic");
    assertThat(ref.candidates())
        .containsExactly("anthropic/claude-sonnet-4.5", "claude-sonnet-4.5");
  }

  @Test
  void variantSuffixesThatChangeThePriceAreKept() {
    // OpenRouter's :free variant costs nothing, :nitro more: never priced as the plain model.
    assertThat(
            identity.resolve("openrouter", "meta-llama/llama-3.3-70b-instruct:free").candidates())
        .containsExactly("meta-llama/llama-3.3-70b-instruct:free", "llama-3.3-70b-instruct:free");
  }

  @Test
  void bedrockCrossRegionProfile() {
    ModelIdentity.ModelRef ref =
        identity.resolve("aws", "eu.anthropic.claude-sonnet-4-20250514-v1:0");
    assertThat(ref.vendor()).isEqualTo("anthropic");
    assertThat(ref.candidates()).contains("claude-sonnet-4-20250514", "claude-sonnet-4");
  }

  @Test
  void bedrockArnOfInferenceProfile() {
    ModelIdentity.ModelRef ref =
        identity.resolve(
            "aws",
            "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.meta.llama3-3-70b-instruct-v1:0");
    assertThat(ref.vendor()).isEqualTo("meta");
    assertThat(ref.candidates()).contains("llama3-3-70b-instruct");
  }

  @Test
  void vertexVersionSuffixAndGoogleModelsPrefix() {
    assertThat(identity.resolve("google", "claude-3-5-sonnet-v2@20241022").candidates())
        .contains("claude-3-5-sonnet-v2");
    assertThat(identity.resolve("google", "models/gemini-2.0-flash").candidates())
        .containsExactly("gemini-2.0-flash");
  }

  @Test
  void datedSnapshotAlsoTriedWithoutDate() {
    assertThat(identity.resolve("openai", "gpt-4.1-2025-04-14").candidates())
        .containsExactly("gpt-4.1-2025-04-14", "gpt-4.1");
    // The reference's second spelling of a compact date comes right after the id as written.
    assertThat(identity.resolve("anthropic", "claude-3-haiku-20240307").candidates())
        .containsExactly("claude-3-haiku-20240307", "claude-3-haiku-2024-03-07", "claude-3-haiku");
    assertThat(identity.resolve("openai", "gpt-4-20241399").candidates()) // not a date
        .containsExactly("gpt-4-20241399", "gpt-4");
  }

  @Test
  void azureDeploymentMapping() {
    assertThat(identity.resolve("azure", "prod-gpt4o").candidates()).isEqualTo(List.of("gpt-4o"));
  }
}
