package dev.costtrace.sink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.costtrace.sink.buffer.RowCodec;
import dev.costtrace.sink.engine.OwnerOnly;
import java.io.IOException;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Level;
import java.util.logging.Logger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The dead letters in a buffer directory: rows ClickHouse refused, one JSON line each with the
 * reason, what a reader needs (IDs, model, cost) and the whole row as the buffer holds it ({@link
 * RowCodec}, base64), so that it can be inserted again ({@link DeadLetterReplay}). The sink appends
 * to {@value #CURRENT}; past {@code maxBytes} it becomes {@code dead-letter.NNNNNN.jsonl} and only
 * the newest {@code maxFiles} of those are kept. Files are 0600 (rows hold tenant, user and
 * conversation IDs). Every change takes a lock, in this JVM and on {@value #LOCK}, so that {@code
 * costtrace dead-letter replay} and a running sink can share the directory.
 */
public final class DeadLetterStore {
  private static final Logger LOG = Logger.getLogger(DeadLetterStore.class.getName());
  private static final ObjectMapper JSON = new ObjectMapper();
  public static final String CURRENT = "dead-letter.jsonl";
  static final String LOCK = "dead-letter.lock";
  private static final Pattern ROTATED = Pattern.compile("dead-letter\\.(\\d{6,})\\.jsonl");

  /** FileLock is per process: threads of this JVM take this lock first. */
  private static final Map<Path, ReentrantLock> JVM_LOCKS = new ConcurrentHashMap<>();

  private final Path dir;

  public DeadLetterStore(Path dir) {
    this.dir = dir;
  }

  public Path dir() {
    return dir;
  }

  /**
   * One dead letter.
   *
   * @param kind {@code span} (a span row) or {@code observation} (an attribution observation)
   * @param record the row as a buffer record: {@link RowCodec#decode} gives it back
   */
  public record Entry(
      String kind,
      String reason,
      Instant rejectedAt,
      String authTenant,
      String traceId,
      String spanId,
      long startEpochNanos,
      BigDecimal totalCost,
      String line,
      byte[] record) {}

  /** A file's entries, and its lines that could not be read (a line torn by a crash). */
  public record FileEntries(Path file, List<Entry> entries, int unreadable) {}

  /** The line of a span row ClickHouse refused. */
  static String line(SpanCostRow row, String reason, Instant now) {
    ObjectNode o = JSON.createObjectNode();
    o.put("kind", "span");
    o.put("reason", reason);
    o.put("rejected_at", now.toString());
    o.put("auth_tenant", row.authTenant());
    o.put("trace_id", row.traceId());
    o.put("span_id", row.spanId());
    o.put("start_time", instant(row.startEpochNanos()).toString());
    String model = row.get(SpanColumns.RESPONSE_MODEL);
    o.put("model", model.isEmpty() ? row.get(SpanColumns.REQUEST_MODEL) : model);
    o.put("total_usd", row.totalCost().toPlainString());
    o.put("pricing_status", row.get(SpanColumns.PRICING_STATUS));
    o.put("conversation_id", row.get(SpanColumns.CONVERSATION_ID));
    o.put(
        "record",
        Base64.getEncoder()
            .encodeToString(RowCodec.encode(List.of(row), List.of(), now.toEpochMilli())));
    return o.toString();
  }

  /** The line of an attribution observation ClickHouse refused. */
  static String line(SpanAttribution a, String reason, Instant now) {
    ObjectNode o = JSON.createObjectNode();
    o.put("kind", "observation");
    o.put("reason", reason);
    o.put("rejected_at", now.toString());
    o.put("auth_tenant", a.authTenant());
    o.put("trace_id", a.traceId());
    o.put("span_id", a.spanId());
    o.put("start_time", instant(a.startEpochNanos()).toString());
    o.put("conversation_id", a.conversationId());
    o.put(
        "record",
        Base64.getEncoder()
            .encodeToString(RowCodec.encode(List.of(), List.of(a), now.toEpochMilli())));
    return o.toString();
  }

  private static Instant instant(long epochNanos) {
    return Instant.ofEpochSecond(
        Math.floorDiv(epochNanos, 1_000_000_000L), Math.floorMod(epochNanos, 1_000_000_000L));
  }

  /**
   * Appends lines to the current file and syncs them; then, past {@code maxBytes}, starts a new
   * file, keeping the newest {@code maxFiles} before it.
   */
  void append(List<String> lines, long maxBytes, int maxFiles) throws IOException {
    StringBuilder text = new StringBuilder();
    for (String l : lines) {
      text.append(l).append('\n');
    }
    ByteBuffer bytes = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
    try (Locked l = lock()) {
      Path file = dir.resolve(CURRENT);
      boolean created = !Files.exists(file);
      long size;
      try (FileChannel ch =
          FileChannel.open(
              file,
              Set.of(
                  StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND),
              OwnerOnly.fileAttributes())) {
        while (bytes.hasRemaining()) {
          ch.write(bytes);
        }
        ch.force(false);
        size = ch.size();
      }
      if (created) {
        OwnerOnly.restrict(file); // umask may have widened nothing, but an old file may be 0644
        syncDirectory();
      }
      if (size >= maxBytes) {
        rotate();
        prune(maxFiles);
      }
    }
  }

  /** Closes the current file under the next number, so that nobody appends to it any more. */
  private Path rotate() throws IOException {
    Path file = dir.resolve(CURRENT);
    if (!Files.exists(file)) {
      return null;
    }
    List<Path> rotated = rotated();
    long next = rotated.isEmpty() ? 1 : number(rotated.get(rotated.size() - 1)) + 1;
    Path target = dir.resolve(String.format("dead-letter.%06d.jsonl", next));
    Files.move(file, target, StandardCopyOption.ATOMIC_MOVE);
    syncDirectory();
    return target;
  }

  private void prune(int maxFiles) throws IOException {
    List<Path> rotated = rotated();
    for (int i = 0; i < rotated.size() - maxFiles; i++) {
      Path old = rotated.get(i);
      long lines;
      try (var s = Files.lines(old, StandardCharsets.UTF_8)) {
        lines = s.count();
      }
      Files.deleteIfExists(old);
      LOG.log(
          Level.SEVERE,
          "dead letters: deleted "
              + old
              + " ("
              + lines
              + " rows ClickHouse refused) to keep "
              + maxFiles
              + " files; replay dead letters (costtrace dead-letter replay) before they are dropped");
    }
  }

  /** The closed files, oldest first. */
  List<Path> rotated() throws IOException {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    TreeMap<Long, Path> byNumber = new TreeMap<>();
    try (var s = Files.list(dir)) {
      s.forEach(
          p -> {
            Matcher m = ROTATED.matcher(p.getFileName().toString());
            if (m.matches()) {
              byNumber.put(Long.parseLong(m.group(1)), p);
            }
          });
    }
    return new ArrayList<>(byNumber.values());
  }

  private static long number(Path rotated) {
    Matcher m = ROTATED.matcher(rotated.getFileName().toString());
    return m.matches() ? Long.parseLong(m.group(1)) : 0;
  }

  /** Every file with dead letters, oldest first (the current one last). */
  public List<Path> files() throws IOException {
    List<Path> out = rotated();
    Path current = dir.resolve(CURRENT);
    if (Files.exists(current)) {
      out.add(current);
    }
    return out;
  }

  /**
   * Closes the current file (the sink starts a new one) and returns every closed file, oldest
   * first: what a replay works on while the sink may be appending.
   */
  List<Path> closeCurrent() throws IOException {
    try (Locked l = lock()) {
      rotate();
      return rotated();
    }
  }

  /** Reads a file's entries; a line that cannot be read is counted, not fatal. */
  public static FileEntries read(Path file) throws IOException {
    List<Entry> entries = new ArrayList<>();
    int unreadable = 0;
    List<String> lines;
    try {
      lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      return new FileEntries(file, List.of(), 0);
    }
    for (String line : lines) {
      if (line.isBlank()) {
        continue;
      }
      try {
        JsonNode o = JSON.readTree(line);
        String record = o.path("record").asText("");
        String cost = o.path("total_usd").asText("");
        entries.add(
            new Entry(
                o.path("kind").asText("span"),
                o.path("reason").asText(""),
                Instant.parse(o.path("rejected_at").asText()),
                o.path("auth_tenant").asText(""),
                o.path("trace_id").asText(""),
                o.path("span_id").asText(""),
                nanos(o.path("start_time").asText("")),
                cost.isEmpty() ? null : new BigDecimal(cost),
                line,
                record.isEmpty() ? null : Base64.getDecoder().decode(record)));
      } catch (IOException | RuntimeException e) {
        unreadable++;
      }
    }
    return new FileEntries(file, entries, unreadable);
  }

  private static long nanos(String iso) {
    if (iso.isEmpty()) {
      return 0;
    }
    Instant i = Instant.parse(iso);
    return i.getEpochSecond() * 1_000_000_000L + i.getNano();
  }

  /**
   * Replaces a closed file by these lines (what still fails), or deletes it when there are none.
   */
  void rewrite(Path file, List<String> lines) throws IOException {
    try (Locked l = lock()) {
      if (lines.isEmpty()) {
        Files.deleteIfExists(file);
      } else {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.deleteIfExists(tmp);
        try (FileChannel ch =
            FileChannel.open(
                tmp,
                Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                OwnerOnly.fileAttributes())) {
          ByteBuffer b =
              ByteBuffer.wrap((String.join("\n", lines) + "\n").getBytes(StandardCharsets.UTF_8));
          while (b.hasRemaining()) {
            ch.write(b);
          }
          ch.force(false);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      }
      syncDirectory();
    }
  }

  private void syncDirectory() {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // Not every platform can open a directory; the file's own fsync is what matters most.
    }
  }

  /** The store's lock: this JVM's threads, then other processes. */
  private Locked lock() throws IOException {
    OwnerOnly.createDirectories(dir);
    ReentrantLock jvm =
        JVM_LOCKS.computeIfAbsent(dir.toAbsolutePath().normalize(), k -> new ReentrantLock());
    jvm.lock();
    try {
      FileChannel ch =
          FileChannel.open(
              dir.resolve(LOCK),
              Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE),
              OwnerOnly.fileAttributes());
      FileLock fl;
      try {
        fl = ch.lock();
      } catch (IOException | RuntimeException e) {
        ch.close();
        throw e;
      }
      return new Locked(jvm, ch, fl);
    } catch (IOException | RuntimeException e) {
      jvm.unlock();
      throw e;
    }
  }

  private record Locked(ReentrantLock jvm, FileChannel channel, FileLock lock)
      implements AutoCloseable {
    @Override
    public void close() throws IOException {
      try {
        lock.release();
        channel.close();
      } finally {
        jvm.unlock();
      }
    }
  }
}
