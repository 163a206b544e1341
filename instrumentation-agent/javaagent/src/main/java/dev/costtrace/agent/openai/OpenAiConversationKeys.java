package dev.costtrace.agent.openai;

import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * The chat {@code metadata} keys that carry a conversation ID, first found wins. Its own class,
 * free of SDK types, because both the customizer (extension class loader) and the injected chat
 * model (application class loader) read it.
 */
final class OpenAiConversationKeys {
  static final List<String> METADATA =
      Collections.unmodifiableList(
          Arrays.asList("conversation_id", "gen_ai.conversation.id", "session_id"));

  private OpenAiConversationKeys() {}
}
