package dev.costtrace.sink.rollup;

import java.util.Objects;

/** A conversation as the rollups key it: the tenant key and the conversation ID. */
public record ConversationKey(String authTenant, String conversationId) {
  public ConversationKey {
    Objects.requireNonNull(authTenant, "authTenant");
    Objects.requireNonNull(conversationId, "conversationId");
  }
}
