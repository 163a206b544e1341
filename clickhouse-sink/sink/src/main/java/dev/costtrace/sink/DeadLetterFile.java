package dev.costtrace.sink;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.logging.Level;
import java.util.logging.Logger;

/** Rows ClickHouse rejected, one JSON line each with the reason, in {@code dead-letter.jsonl}. */
final class DeadLetterFile implements ClickHouseWriter.DeadLetters {
  private static final Logger LOG = Logger.getLogger(DeadLetterFile.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path file;
  private final SinkProgress progress;

  DeadLetterFile(Path bufferDir, SinkProgress progress) {
    this.file = bufferDir.resolve("dead-letter.jsonl");
    this.progress = progress;
  }

  @Override
  public synchronized void reject(SpanCostRow row, String reason) {
    progress.deadLettered.incrementAndGet();
    String model = row.get(SpanColumns.RESPONSE_MODEL);
    ObjectNode o = JSON.createObjectNode();
    o.put("reason", reason);
    o.put("trace_id", row.traceId());
    o.put("span_id", row.spanId());
    o.put("auth_tenant", row.authTenant());
    o.put("model", model.isEmpty() ? row.get(SpanColumns.REQUEST_MODEL) : model);
    o.put("total_usd", row.totalCost().toPlainString());
    o.put("pricing_status", row.get(SpanColumns.PRICING_STATUS));
    o.put("conversation_id", row.get(SpanColumns.CONVERSATION_ID));
    o.put("rejected_at", Instant.now().toString());
    try {
      Files.writeString(file, o + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
    } catch (IOException e) {
      LOG.log(Level.SEVERE, "cannot write dead letter for " + row, e);
    }
    LOG.warning("span " + row.traceId() + "/" + row.spanId() + " rejected by ClickHouse: " + reason);
  }
}
