package dev.costtrace.sink.buffer;

import dev.costtrace.sink.SpanAttribution;
import dev.costtrace.sink.SpanColumns;
import dev.costtrace.sink.SpanCostRow;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Encodes one accepted call (span rows and attribution observations) as a buffer record.
 *
 * <p>Format 2 (written now) names its columns: the record starts with the span columns it holds
 * (name and kind, in {@link SpanColumns} order), then the rows' values in that order. A record
 * written before a column was added decodes with that column's default; a column since removed is
 * skipped by its kind. Format 1 (before the span columns had one definition, and before
 * observations carried their span) is still read, so that a buffer left by an older receiver is
 * replayed after an upgrade.
 */
public final class RowCodec {
  private static final byte FORMAT_1 = 1;
  private static final byte FORMAT_2 = 2;
  private static final SpanColumns.Kind[] KINDS = SpanColumns.Kind.values();
  private static final List<SpanColumns.Column<?>> STORED =
      SpanColumns.all().stream().filter(c -> !c.derived()).toList();
  private static final Map<String, SpanColumns.Column<?>> BY_NAME = new HashMap<>();

  static {
    for (SpanColumns.Column<?> c : STORED) {
      BY_NAME.put(c.name(), c);
    }
  }

  private RowCodec() {}

  /**
   * One accepted call.
   *
   * @param acceptedAtEpochMillis when it was accepted (0 in format 1, which did not say)
   */
  public record Entry(
      List<SpanCostRow> spans, List<SpanAttribution> attributions, long acceptedAtEpochMillis) {}

  /** A call accepted now. */
  public static byte[] encode(List<SpanCostRow> spans, List<SpanAttribution> attributions) {
    return encode(spans, attributions, System.currentTimeMillis());
  }

  public static byte[] encode(
      List<SpanCostRow> spans, List<SpanAttribution> attributions, long acceptedAtEpochMillis) {
    try {
      GrowableBytes bytes =
          new GrowableBytes(512 * spans.size() + 160 * attributions.size() + 1024);
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeByte(FORMAT_2);
      out.writeLong(acceptedAtEpochMillis);
      out.writeInt(spans.isEmpty() ? 0 : STORED.size());
      if (!spans.isEmpty()) {
        for (SpanColumns.Column<?> c : STORED) {
          str(out, c.name());
          out.writeByte(c.kind().ordinal());
        }
      }
      out.writeInt(spans.size());
      for (SpanCostRow r : spans) {
        for (SpanColumns.Column<?> c : STORED) {
          write(out, c.kind(), r.get(c));
        }
      }
      out.writeInt(attributions.size());
      for (SpanAttribution a : attributions) {
        str(out, a.authTenant());
        str(out, a.traceId());
        str(out, a.spanId());
        out.writeLong(a.startEpochNanos());
        str(out, a.conversationId());
        str(out, a.tenantId());
        str(out, a.userId());
        str(out, a.feature());
        map(out, a.tags());
        out.writeLong(a.observedAtEpochNanos());
      }
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Entry decode(byte[] payload) throws IOException {
    DataInputStream in = new DataInputStream(new BytesIn(payload));
    byte format = in.readByte();
    if (format == FORMAT_1) {
      return decodeFormat1(in);
    }
    if (format != FORMAT_2) {
      throw new IOException("unknown buffer record format " + format);
    }
    long acceptedAt = in.readLong();
    int columns = in.readInt();
    SpanColumns.Column<?>[] layout = new SpanColumns.Column<?>[columns];
    SpanColumns.Kind[] kinds = new SpanColumns.Kind[columns];
    for (int i = 0; i < columns; i++) {
      layout[i] = BY_NAME.get(str(in)); // null: a column this version does not have
      kinds[i] = KINDS[in.readByte()];
    }
    int n = in.readInt();
    List<SpanCostRow> spans = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      SpanCostRow.Builder b = SpanCostRow.builder();
      for (int c = 0; c < columns; c++) {
        Object value = read(in, kinds[c]);
        if (layout[c] != null) {
          Columns.set(b, layout[c], value);
        }
      }
      spans.add(b.build());
    }
    int m = in.readInt();
    List<SpanAttribution> attributions = new ArrayList<>(m);
    for (int i = 0; i < m; i++) {
      attributions.add(
          new SpanAttribution(
              str(in),
              str(in),
              str(in),
              in.readLong(),
              str(in),
              str(in),
              str(in),
              str(in),
              map(in),
              in.readLong()));
    }
    return new Entry(spans, attributions, acceptedAt);
  }

  /** Sets a decoded value on a builder; the value is of the column's kind, by construction. */
  private static final class Columns {
    @SuppressWarnings("unchecked")
    static <T> void set(SpanCostRow.Builder b, SpanColumns.Column<T> column, Object value) {
      b.set(column, (T) value);
    }
  }

  private static void write(DataOutputStream out, SpanColumns.Kind kind, Object value)
      throws IOException {
    switch (kind) {
      case STRING -> str(out, (String) value);
      case INTEGER, TIME -> out.writeLong((Long) value);
      case MONEY -> decimal(out, (BigDecimal) value);
      case OPTIONAL_MONEY -> {
        out.writeBoolean(value != null);
        if (value != null) {
          decimal(out, (BigDecimal) value);
        }
      }
      case TAGS -> {
        @SuppressWarnings("unchecked")
        Map<String, String> tags = (Map<String, String>) value;
        map(out, tags);
      }
      default -> throw new IllegalStateException("no encoding for " + kind);
    }
  }

  private static Object read(DataInputStream in, SpanColumns.Kind kind) throws IOException {
    return switch (kind) {
      case STRING -> str(in);
      case INTEGER, TIME -> in.readLong();
      case MONEY -> decimal(in);
      case OPTIONAL_MONEY -> in.readBoolean() ? decimal(in) : null;
      case TAGS -> map(in);
    };
  }

  /**
   * Format 1: a fixed layout of the span columns as they were then, and attributions of a whole
   * trace (no span, no tenant key; the {@code version} then only ranked tenant sources). Kept as it
   * was written, so that it stays readable.
   */
  private static Entry decodeFormat1(DataInputStream in) throws IOException {
    int n = in.readInt();
    List<SpanCostRow> spans = new ArrayList<>(n);
    SpanColumns.Column<?>[] strings1 = {
      SpanColumns.TRACE_ID, SpanColumns.SPAN_ID, SpanColumns.PARENT_SPAN_ID
    };
    SpanColumns.Column<?>[] strings2 = {
      SpanColumns.SERVICE_NAME,
      SpanColumns.CONVERSATION_ID,
      SpanColumns.TENANT_ID,
      SpanColumns.USER_ID,
      SpanColumns.FEATURE
    };
    SpanColumns.Column<?>[] strings3 = {
      SpanColumns.PROVIDER,
      SpanColumns.REQUEST_MODEL,
      SpanColumns.RESPONSE_MODEL,
      SpanColumns.OPERATION,
      SpanColumns.TOOL_NAME,
      SpanColumns.SPAN_STATUS,
      SpanColumns.ERROR_TYPE
    };
    SpanColumns.Column<?>[] tokens = {
      SpanColumns.INPUT_TOKENS,
      SpanColumns.CACHE_READ_TOKENS,
      SpanColumns.CACHE_WRITE_TOKENS,
      SpanColumns.CACHE_WRITE_1H_TOKENS,
      SpanColumns.OUTPUT_TOKENS,
      SpanColumns.REASONING_TOKENS,
      SpanColumns.AUDIO_INPUT_TOKENS,
      SpanColumns.AUDIO_OUTPUT_TOKENS
    };
    SpanColumns.Column<?>[] costs = {
      SpanColumns.INPUT_COST,
      SpanColumns.CACHE_READ_COST,
      SpanColumns.CACHE_WRITE_COST,
      SpanColumns.OUTPUT_COST,
      SpanColumns.REASONING_COST,
      SpanColumns.AUDIO_COST,
      SpanColumns.REQUEST_COST,
      SpanColumns.TOOL_COST,
      SpanColumns.TOTAL_COST
    };
    SpanColumns.Column<?>[] strings4 = {
      SpanColumns.PRICING_STATUS,
      SpanColumns.PRICING_REASON,
      SpanColumns.CATALOG_VERSION,
      SpanColumns.PRICE_ENTRY
    };
    for (int i = 0; i < n; i++) {
      SpanCostRow.Builder b = SpanCostRow.builder();
      for (SpanColumns.Column<?> c : strings1) {
        Columns.set(b, c, str(in));
      }
      b.set(SpanColumns.START_TIME, in.readLong()).set(SpanColumns.END_TIME, in.readLong());
      for (SpanColumns.Column<?> c : strings2) {
        Columns.set(b, c, str(in));
      }
      b.set(SpanColumns.TAGS, map(in));
      for (SpanColumns.Column<?> c : strings3) {
        Columns.set(b, c, str(in));
      }
      for (SpanColumns.Column<?> c : tokens) {
        Columns.set(b, c, in.readLong());
      }
      for (SpanColumns.Column<?> c : costs) {
        Columns.set(b, c, decimal(in));
      }
      if (in.readBoolean()) {
        b.set(SpanColumns.PROVIDED_COST, decimal(in));
      }
      for (SpanColumns.Column<?> c : strings4) {
        Columns.set(b, c, str(in));
      }
      b.set(SpanColumns.TIME_TO_FIRST_TOKEN_NS, in.readLong());
      in.readLong(); // attribution_version: always 0 then, and no longer a column
      spans.add(b.build());
    }
    int m = in.readInt();
    List<SpanAttribution> attributions = new ArrayList<>(m);
    for (int i = 0; i < m; i++) {
      String trace = str(in);
      String conversation = str(in);
      String tenant = str(in);
      String user = str(in);
      String feature = str(in);
      Map<String, String> tags = map(in);
      long observedAt = in.readLong();
      in.readLong(); // version
      // No span: an observation of the whole trace, as of when the receiver saw it.
      attributions.add(
          new SpanAttribution(
              "", trace, "", observedAt, conversation, tenant, user, feature, tags, observedAt));
    }
    return new Entry(spans, attributions, 0);
  }

  private static void str(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  private static String str(DataInputStream in) throws IOException {
    byte[] b = new byte[in.readInt()];
    in.readFully(b);
    return new String(b, StandardCharsets.UTF_8);
  }

  private static void map(DataOutputStream out, Map<String, String> m) throws IOException {
    out.writeInt(m.size());
    for (Map.Entry<String, String> e : m.entrySet()) {
      str(out, e.getKey());
      str(out, e.getValue());
    }
  }

  private static Map<String, String> map(DataInputStream in) throws IOException {
    int n = in.readInt();
    if (n == 0) {
      return Map.of();
    }
    Map<String, String> m = new HashMap<>();
    for (int i = 0; i < n; i++) {
      m.put(str(in), str(in));
    }
    return m;
  }

  private static void decimal(DataOutputStream out, BigDecimal d) throws IOException {
    byte[] unscaled = d.unscaledValue().toByteArray();
    out.writeInt(d.scale());
    out.writeInt(unscaled.length);
    out.write(unscaled);
  }

  private static BigDecimal decimal(DataInputStream in) throws IOException {
    int scale = in.readInt();
    byte[] unscaled = new byte[in.readInt()];
    in.readFully(unscaled);
    return new BigDecimal(new BigInteger(unscaled), scale);
  }

  /** A byte array as an input stream, unsynchronised (ByteArrayInputStream locks every read). */
  private static final class BytesIn extends InputStream {
    private final byte[] buf;
    private int pos;

    BytesIn(byte[] buf) {
      this.buf = buf;
    }

    @Override
    public int read() {
      return pos < buf.length ? buf[pos++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (len == 0) {
        return 0;
      }
      if (pos >= buf.length) {
        return -1;
      }
      int n = Math.min(len, buf.length - pos);
      System.arraycopy(buf, pos, b, off, n);
      pos += n;
      return n;
    }
  }
}
