package dev.costtrace.pricing.normalize;

import static dev.costtrace.pricing.Attrs.of;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The normalizer reads the conversation from exactly the default list, in its order. */
class AttributionAttributesTest {
  private static String conversation(Object... kv) {
    return SpanNormalizer.normalize(of(kv), List.of(), 1L).conversationId();
  }

  @Test
  void everyDefaultConversationKeyIsReadAlone() {
    for (String key : AttributionAttributes.CONVERSATION) {
      assertThat(conversation("gen_ai.request.model", "gpt-4o", key, "c-" + key))
          .as(key)
          .isEqualTo("c-" + key);
    }
    assertThat(conversation("gen_ai.request.model", "gpt-4o", "chat.id", "x"))
        .as("not in the list")
        .isEmpty();
  }

  @Test
  void theMorePreferredKeyWinsWhicheverComesFirstAndEmptyValuesDoNot() {
    List<String> keys = AttributionAttributes.CONVERSATION;
    for (int better = 0; better < keys.size(); better++) {
      for (int worse = better + 1; worse < keys.size(); worse++) {
        assertThat(conversation(keys.get(worse), "worse", keys.get(better), "better"))
            .isEqualTo("better");
        assertThat(conversation(keys.get(better), "better", keys.get(worse), "worse"))
            .isEqualTo("better");
        assertThat(conversation(keys.get(better), "", keys.get(worse), "worse")).isEqualTo("worse");
      }
    }
  }
}
