package dev.costtrace.receiver.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.costtrace.sink.report.ConversationCosts.Position;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HexFormat;

/**
 * The {@code next} cursor of the conversation list: an opaque base64url token holding where the
 * page ended (cost, conversation ID, tenant), the end of the window the first page used (so that
 * "7d" does not slide while a client pages), and a fingerprint of the filters, so that a cursor is
 * refused with filters other than its own. It grants nothing: the caller's tenant scope is applied
 * to every page from the token presented with it.
 */
record ListCursor(Position after, long windowEndNanos, String filters) {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int VERSION = 1;

  String encode() {
    ObjectNode o = JSON.createObjectNode();
    o.put("v", VERSION);
    o.put("usd", after.totalUsd().toPlainString());
    o.put("id", after.conversationId());
    o.put("tenant", after.tenantId());
    o.put("to", windowEndNanos);
    o.put("f", filters);
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(o.toString().getBytes(StandardCharsets.UTF_8));
  }

  /** Reads a cursor given as the {@code cursor} parameter; a damaged one is a 400 problem. */
  static ListCursor decode(String token) {
    try {
      JsonNode o = JSON.readTree(Base64.getUrlDecoder().decode(token));
      if (o == null
          || o.path("v").asInt() != VERSION
          || !o.path("usd").isTextual()
          || !o.path("id").isTextual()
          || !o.path("tenant").isTextual()
          || !o.path("to").canConvertToLong()
          || !o.path("f").isTextual()) {
        throw Problem.invalidParameter("cursor", "not a cursor this API returned");
      }
      return new ListCursor(
          new Position(
              new BigDecimal(o.get("usd").asText()),
              o.get("id").asText(),
              o.get("tenant").asText()),
          o.get("to").asLong(),
          o.get("f").asText());
    } catch (IOException | IllegalArgumentException e) {
      throw Problem.invalidParameter("cursor", "not a cursor this API returned");
    }
  }

  /** A short digest of the filters' canonical text. */
  static String fingerprint(String canonicalFilters) {
    try {
      byte[] d =
          MessageDigest.getInstance("SHA-256")
              .digest(canonicalFilters.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(d, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
