package dev.costtrace.sink.buffer;

import dev.costtrace.sink.SpanCostRow;
import dev.costtrace.sink.TraceAttribution;
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

/** Encodes one accepted call (spans and attributions) as a buffer record. Format version 1. */
public final class RowCodec {
  private static final byte VERSION = 1;

  private RowCodec() {}

  /** One accepted call. */
  public record Entry(List<SpanCostRow> spans, List<TraceAttribution> attributions) {}

  public static byte[] encode(List<SpanCostRow> spans, List<TraceAttribution> attributions) {
    try {
      GrowableBytes bytes = new GrowableBytes(512 * spans.size() + 128 * attributions.size() + 16);
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeByte(VERSION);
      out.writeInt(spans.size());
      for (SpanCostRow r : spans) {
        writeSpan(out, r);
      }
      out.writeInt(attributions.size());
      for (TraceAttribution a : attributions) {
        str(out, a.traceId());
        str(out, a.conversationId());
        str(out, a.tenantId());
        str(out, a.userId());
        str(out, a.feature());
        map(out, a.tags());
        out.writeLong(a.observedAtEpochNanos());
        out.writeLong(a.version());
      }
      out.flush();
      return bytes.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static Entry decode(byte[] payload) throws IOException {
    DataInputStream in = new DataInputStream(new BytesIn(payload));
    byte version = in.readByte();
    if (version != VERSION) {
      throw new IOException("unknown buffer record version " + version);
    }
    int n = in.readInt();
    List<SpanCostRow> spans = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      spans.add(readSpan(in));
    }
    int m = in.readInt();
    List<TraceAttribution> attributions = new ArrayList<>(m);
    for (int i = 0; i < m; i++) {
      attributions.add(new TraceAttribution(str(in), str(in), str(in), str(in), str(in), map(in),
          in.readLong(), in.readLong()));
    }
    return new Entry(spans, attributions);
  }

  private static void writeSpan(DataOutputStream out, SpanCostRow r) throws IOException {
    str(out, r.traceId());
    str(out, r.spanId());
    str(out, r.parentSpanId());
    out.writeLong(r.startEpochNanos());
    out.writeLong(r.endEpochNanos());
    str(out, r.serviceName());
    str(out, r.conversationId());
    str(out, r.tenantId());
    str(out, r.userId());
    str(out, r.feature());
    map(out, r.tags());
    str(out, r.provider());
    str(out, r.requestModel());
    str(out, r.responseModel());
    str(out, r.operation());
    str(out, r.toolName());
    str(out, r.spanStatus());
    str(out, r.errorType());
    for (long t : new long[] {r.inputTokens(), r.cacheReadTokens(), r.cacheWriteTokens(),
        r.cacheWrite1hTokens(), r.outputTokens(), r.reasoningTokens(), r.audioInputTokens(),
        r.audioOutputTokens()}) {
      out.writeLong(t);
    }
    for (BigDecimal d : new BigDecimal[] {r.inputCost(), r.cacheReadCost(), r.cacheWriteCost(),
        r.outputCost(), r.reasoningCost(), r.audioCost(), r.requestCost(), r.toolCost(),
        r.totalCost()}) {
      decimal(out, d);
    }
    out.writeBoolean(r.providedCost() != null);
    if (r.providedCost() != null) {
      decimal(out, r.providedCost());
    }
    str(out, r.pricingStatus());
    str(out, r.pricingReason());
    str(out, r.catalogVersion());
    str(out, r.priceEntry());
    out.writeLong(r.timeToFirstTokenNanos());
    out.writeLong(r.attributionVersion());
  }

  private static SpanCostRow readSpan(DataInputStream in) throws IOException {
    SpanCostRow.Builder b = SpanCostRow.builder()
        .traceId(str(in)).spanId(str(in)).parentSpanId(str(in))
        .startEpochNanos(in.readLong()).endEpochNanos(in.readLong())
        .serviceName(str(in)).conversationId(str(in)).tenantId(str(in)).userId(str(in))
        .feature(str(in)).tags(map(in)).provider(str(in)).requestModel(str(in))
        .responseModel(str(in)).operation(str(in)).toolName(str(in)).spanStatus(str(in))
        .errorType(str(in))
        .inputTokens(in.readLong()).cacheReadTokens(in.readLong()).cacheWriteTokens(in.readLong())
        .cacheWrite1hTokens(in.readLong()).outputTokens(in.readLong()).reasoningTokens(in.readLong())
        .audioInputTokens(in.readLong()).audioOutputTokens(in.readLong())
        .inputCost(decimal(in)).cacheReadCost(decimal(in)).cacheWriteCost(decimal(in))
        .outputCost(decimal(in)).reasoningCost(decimal(in)).audioCost(decimal(in))
        .requestCost(decimal(in)).toolCost(decimal(in)).totalCost(decimal(in));
    if (in.readBoolean()) {
      b.providedCost(decimal(in));
    }
    return b.pricingStatus(str(in)).pricingReason(str(in)).catalogVersion(str(in))
        .priceEntry(str(in)).timeToFirstTokenNanos(in.readLong())
        .attributionVersion(in.readLong()).build();
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
