package dev.costtrace.sink.report;

import com.clickhouse.client.api.Client;
import com.clickhouse.client.api.query.GenericRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The newest budget events (warnings and limit hits; {@code costtrace report --budget-events}): one
 * row per event, newest first, within a window.
 */
public final class BudgetEventReport {
  /** One event, amounts as stored (decimal strings in the limit's unit). */
  public record Event(
      String time,
      String conversationId,
      String tenantId,
      String feature,
      String limitName,
      String action,
      String source,
      String limitValue,
      String reach,
      String model,
      String downgradedTo) {}

  private final Client client;
  private final String database;

  public BudgetEventReport(Client client, String database) {
    this.client = client;
    this.database = database;
  }

  public List<Event> run(int top, Duration since) {
    List<Event> events = new ArrayList<>();
    for (GenericRecord r :
        client.queryAll(
            "SELECT toString(event_time) AS t, conversation_id, tenant_id, feature, limit_name, action,"
                + " source, limit_value, reach, model, downgraded_to FROM "
                + database
                + ".budget_events"
                + " WHERE event_time >= now64(9) - toIntervalSecond({since:Int64})"
                + " ORDER BY event_time DESC LIMIT {top:UInt32}",
            Map.of("since", since.toSeconds(), "top", top))) {
      events.add(
          new Event(
              r.getString("t"),
              r.getString("conversation_id"),
              r.getString("tenant_id"),
              r.getString("feature"),
              r.getString("limit_name"),
              r.getString("action"),
              r.getString("source"),
              r.getString("limit_value"),
              r.getString("reach"),
              r.getString("model"),
              r.getString("downgraded_to")));
    }
    return events;
  }
}
