package dev.costtrace.budget;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TokenEstimatorTest {
  final TokenEstimator tokens = new TokenEstimator();

  @Test
  void openAiModelsUseTheirRealEncoding() {
    // "Hello, world!" is 4 tokens in both o200k_base and cl100k_base: Hello | , | world | !
    assertThat(tokens.count("openai", "gpt-4o-mini", "Hello, world!")).isEqualTo(4);
    assertThat(tokens.count("openai", "gpt-4", "Hello, world!")).isEqualTo(4);
    assertThat(tokens.exact("openai", "o4-mini")).isTrue();
    assertThat(tokens.exact("openai", "openai/gpt-5")).isTrue();
  }

  @Test
  void otherModelsAreApproximatedOnTheSafeSide() {
    assertThat(tokens.exact("anthropic", "claude-sonnet-4-5")).isFalse();
    assertThat(tokens.count("anthropic", "claude-sonnet-4-5", "Hello, world!")).isEqualTo(5);
    assertThat(tokens.count("anthropic", "claude-sonnet-4-5", "")).isZero();
    assertThat(tokens.count("anthropic", "claude-sonnet-4-5", null)).isZero();
  }

  @Test
  void receiverAnswerIsParsedExactly() throws IOException {
    // The budget state's spend (the receiver's tally included), not the stored figures around it.
    String json =
        "{\"conversation_id\":\"c\",\"tenant_id\":\"t\",\"total_usd\":\"0.0001\",\"llm_calls\":3,"
            + "\"models\":[{\"model\":\"gpt-4o\",\"calls\":3,\"total_usd\":\"0.0001\"}],"
            + "\"budget\":{\"state\":\"ok\",\"blocked\":false,\"spent_usd\":\"0.0001299\","
            + "\"llm_calls\":4,\"cap_usd\":\"3\"}}";
    RemoteSpend.Snapshot s =
        ReceiverSpendClient.parse(new ByteArrayInputStream(json.getBytes(StandardCharsets.UTF_8)));
    assertThat(s.spendPico).isEqualTo(129_900_000L);
    assertThat(s.llmCalls).isEqualTo(4);
    assertThatThrownBy(
            () ->
                ReceiverSpendClient.parse(
                    new ByteArrayInputStream(
                        "{\"total_usd\":\"1\"}".getBytes(StandardCharsets.UTF_8))))
        .isInstanceOf(IOException.class);
  }
}
