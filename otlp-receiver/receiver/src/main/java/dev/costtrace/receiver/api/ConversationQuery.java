package dev.costtrace.receiver.api;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads a conversation from ClickHouse with a parameterised query ({@code conversation.sql}): the
 * ID and the tenant are bound server-side, never spliced into the SQL.
 */
public final class ConversationQuery {
  private final Client client;
  private final String sql;

  public ConversationQuery(Client client, String database) {
    this.client = client;
    this.sql = resource("conversation.sql").replace("{db}", database);
  }

  /** The conversation, if stored; {@code tenant} empty for any tenant. */
  public Optional<ConversationCost> find(String conversationId, String tenant) {
    List<GenericRecord> rows =
        client.queryAll(sql, Map.of("id", conversationId, "tenant", tenant == null ? "" : tenant));
    if (rows.isEmpty()) {
      return Optional.empty();
    }
    GenericRecord r = rows.get(0);
    return Optional.of(new ConversationCost(
        r.getString("conversation_id"),
        r.getString("tenant_id"),
        r.getString("user_id"),
        r.getString("feature"),
        r.getLong("turns"),
        new BigDecimal(r.getString("total_usd")),
        r.getLong("llm_calls"),
        r.getLong("tool_calls"),
        r.getLong("input_tokens"),
        r.getLong("output_tokens"),
        r.getLong("cache_read_tokens"),
        r.getLong("reasoning_tokens"),
        r.getString("first_seen"),
        r.getString("last_seen")));
  }

  static String resource(String name) {
    try (InputStream in = ConversationQuery.class.getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
