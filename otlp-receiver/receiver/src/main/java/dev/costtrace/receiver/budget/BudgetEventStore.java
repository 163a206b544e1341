package dev.costtrace.receiver.budget;

import com.clickhouse.client.api.Client;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * Writes budget events to {@code budget_events} and remembers which webhooks were delivered in
 * {@code budget_notifications} (schema migration 0020), with parameterised statements on one
 * background thread: the export that carried the event is not held up. A bounded queue: past {@link
 * #DEFAULT_QUEUE} waiting events, new ones are dropped and counted (events are a log for people;
 * the money is in the spans). A failed insert is counted and logged once per minute.
 */
public final class BudgetEventStore
    implements Consumer<BudgetEvent>, BudgetWebhook.Deliveries, AutoCloseable {
  public static final int DEFAULT_QUEUE = 10_000;
  private static final String INSERT_EVENT =
      "INSERT INTO %s.budget_events (event_time, conversation_id, tenant_id, feature, service_name,"
          + " trace_id, span_id, limit_name, action, limit_value, reach, model, downgraded_to, source)"
          + " SELECT fromUnixTimestamp64Nano({t:Int64}), {c:String}, {tenant:String}, {f:String},"
          + " {svc:String}, {trace:String}, {span:String}, {limit:String}, {action:String},"
          + " {value:String}, {reach:String}, {model:String}, {down:String}, {source:String}";

  private final Client client;
  private final String database;
  private final ThreadPoolExecutor writer;
  private final LongAdder dropped = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private volatile long lastLogNanos;

  public BudgetEventStore(Client client, String database) {
    this.client = client;
    this.database = database;
    this.writer =
        new ThreadPoolExecutor(
            1,
            1,
            0,
            TimeUnit.MILLISECONDS,
            new ArrayBlockingQueue<>(DEFAULT_QUEUE),
            r -> {
              Thread t = new Thread(r, "costtrace-budget-events");
              t.setDaemon(true);
              return t;
            },
            (task, pool) -> dropped.increment());
  }

  @Override
  public void accept(BudgetEvent e) {
    writer.execute(() -> write(e));
  }

  void write(BudgetEvent e) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("t", e.timeEpochNanos());
    p.put("c", e.conversationId());
    p.put("tenant", e.tenantId());
    p.put("f", e.feature());
    p.put("svc", e.serviceName());
    p.put("trace", e.traceId());
    p.put("span", e.spanId());
    p.put("limit", e.limitName());
    p.put("action", e.action());
    p.put("value", e.limitValue());
    p.put("reach", e.reach());
    p.put("model", e.model());
    p.put("down", e.downgradedTo());
    p.put("source", e.source());
    try {
      client.queryAll(String.format(INSERT_EVENT, database), p);
    } catch (RuntimeException ex) {
      failed(ex);
    }
  }

  @Override
  public boolean delivered(String conversationId, String limitName) {
    try {
      return !client
          .queryAll(
              "SELECT 1 FROM "
                  + database
                  + ".budget_notifications"
                  + " WHERE conversation_id = {c:String} AND limit_name = {l:String} LIMIT 1",
              Map.of("c", conversationId, "l", limitName))
          .isEmpty();
    } catch (RuntimeException ex) {
      failed(ex);
      return false; // cannot tell: deliver (at least once)
    }
  }

  @Override
  public void markDelivered(String conversationId, String limitName) {
    try {
      client.queryAll(
          "INSERT INTO "
              + database
              + ".budget_notifications (conversation_id, limit_name)"
              + " SELECT {c:String}, {l:String}",
          Map.of("c", conversationId, "l", limitName));
    } catch (RuntimeException ex) {
      failed(ex);
    }
  }

  private void failed(RuntimeException ex) {
    failed.increment();
    long now = System.nanoTime();
    if (now - lastLogNanos > 60_000_000_000L) {
      lastLogNanos = now;
      System.err.println("costtrace: cannot write budget events to ClickHouse: " + ex.getMessage());
    }
  }

  public long dropped() {
    return dropped.sum();
  }

  public long failed() {
    return failed.sum();
  }

  /** Waits (bounded) for the queued events to be written. */
  public void flush(long timeoutMillis) {
    long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
    while ((writer.getQueue().size() > 0 || writer.getActiveCount() > 0)
        && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }
  }

  @Override
  public void close() {
    writer.shutdown();
    try {
      writer.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
