package dev.costtrace.receiver.attribution;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class TraceAttributorTest {
  private static final ByteString TRACE = id(1);

  @Test
  void fillsLaterSpansOfATraceAndSaysWhenItLearnedSomething() {
    TraceAttributor t = new TraceAttributor(Duration.ofSeconds(30), 10);
    TraceAttributor.Result first = t.observe(TRACE, new Attribution("c1", "", "", ""), 0);
    assertThat(first.changed()).isTrue();
    TraceAttributor.Result again = t.observe(TRACE, new Attribution("c2", "", "", ""), 1);
    assertThat(again.changed()).isFalse();
    assertThat(again.attribution().conversationId()).isEqualTo("c1");
    TraceAttributor.Result tenant = t.observe(TRACE, new Attribution("", "t", "", ""), 2);
    assertThat(tenant.changed()).isTrue();
    assertThat(tenant.attribution()).isEqualTo(new Attribution("c1", "t", "", ""));
    assertThat(t.observe(TRACE, Attribution.NONE, 3)).isEqualTo(new TraceAttributor.Result(tenant.attribution(), false));
  }

  @Test
  void forgetsATraceAfterTheWindowSinceItsLastSpan() {
    TraceAttributor t = new TraceAttributor(Duration.ofNanos(100), 10);
    t.observe(TRACE, new Attribution("c1", "", "", ""), 0);
    assertThat(t.observe(TRACE, Attribution.NONE, 100).attribution().conversationId()).isEqualTo("c1");
    assertThat(t.observe(TRACE, Attribution.NONE, 201).attribution()).isEqualTo(Attribution.NONE);
  }

  /**
   * Keyed by the ID's bytes and updated in place, it answers as the former version did (a map by
   * hex trace ID in access order, a new entry per observation): same attribution, same change flag,
   * same evictions, over random observations of few and many traces.
   */
  @Test
  void sameAsTheMapByHexId() {
    Random r = new Random(9);
    for (int maxTraces : new int[] {1, 3, 50}) {
      TraceAttributor fast = new TraceAttributor(Duration.ofNanos(40), maxTraces);
      Reference reference = new Reference(40, maxTraces);
      long now = 0;
      for (int i = 0; i < 50_000; i++) {
        now += r.nextInt(5);
        ByteString trace = id(r.nextInt(maxTraces * 2 + 1));
        Attribution seen = new Attribution(pick(r, "c"), pick(r, "t"), pick(r, "u"), pick(r, "f"));
        assertThat(fast.observe(trace, seen, now))
            .as("observation %d", i).isEqualTo(reference.observe(HexFormat.of().formatHex(trace.toByteArray()), seen, now));
      }
    }
  }

  private static String pick(Random r, String prefix) {
    return r.nextInt(4) == 0 ? prefix + r.nextInt(3) : "";
  }

  private static ByteString id(int n) {
    byte[] b = new byte[16];
    b[3] = (byte) n;
    b[15] = (byte) (n >>> 8);
    b[0] = 1;
    return ByteString.copyFrom(b);
  }

  /** The former TraceAttributor, as it was, for comparison. */
  private static final class Reference {
    private record Entry(Attribution attribution, long seenNanos) {}

    private final long windowNanos;
    private final int maxTraces;
    private final Map<String, Entry> traces = new LinkedHashMap<>(16, 0.75f, true);

    Reference(long windowNanos, int maxTraces) {
      this.windowNanos = windowNanos;
      this.maxTraces = maxTraces;
    }

    TraceAttributor.Result observe(String traceId, Attribution fromSpan, long nowNanos) {
      Entry e = traces.get(traceId);
      Attribution before = e == null || nowNanos - e.seenNanos > windowNanos ? Attribution.NONE : e.attribution;
      Attribution merged = new Attribution(
          before.conversationId().isEmpty() ? fromSpan.conversationId() : before.conversationId(),
          before.tenantId().isEmpty() ? fromSpan.tenantId() : before.tenantId(),
          before.userId().isEmpty() ? fromSpan.userId() : before.userId(),
          before.feature().isEmpty() ? fromSpan.feature() : before.feature());
      traces.put(traceId, new Entry(merged, nowNanos));
      if (traces.size() > maxTraces) {
        var it = traces.entrySet().iterator();
        it.next();
        it.remove();
      }
      return new TraceAttributor.Result(merged, !merged.equals(before) && !fromSpan.isEmpty());
    }
  }
}
