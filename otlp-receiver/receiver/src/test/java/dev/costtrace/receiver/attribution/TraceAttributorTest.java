package dev.costtrace.receiver.attribution;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import dev.costtrace.pricing.normalize.Attribution;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TraceAttributorTest {
  private static final ByteString TRACE = id(1);
  private static final TraceAttributor.TraceRef REF = TraceAttributor.TraceRef.of("", TRACE);

  private static TraceAttributor.Observation seen(
      String conversation, String tenant, long start, int span) {
    return new TraceAttributor.Observation(
        new Attribution(conversation, tenant, "", ""), start, id(span).substring(0, 8));
  }

  @Test
  void knowsOnlyWhatWasRecordedPerFieldTheEarliestStartingSpan() {
    TraceAttributor t = new TraceAttributor(Duration.ofSeconds(30), 10);
    assertThat(t.lookup(REF, 0).attribution()).isEqualTo(Attribution.NONE);
    t.record(REF, seen("c-late", "", 200, 2), 1);
    assertThat(t.lookup(REF, 2).attribution()).isEqualTo(new Attribution("c-late", "", "", ""));
    t.record(REF, seen("c-root", "t", 100, 3), 3); // the root starts first: it decides
    t.record(REF, seen("c-later", "t2", 300, 4), 4);
    assertThat(t.lookup(REF, 5).attribution()).isEqualTo(new Attribution("c-root", "t", "", ""));
    t.record(REF, seen("c-tie", "", 100, 1), 6); // same start, lower span ID: it decides
    assertThat(t.lookup(REF, 7).attribution().conversationId()).isEqualTo("c-tie");
  }

  @Test
  void anObservationThatDecidesNothingWouldNotChangeIt() {
    TraceAttributor t = new TraceAttributor(Duration.ofSeconds(30), 10);
    t.record(REF, seen("c1", "t1", 100, 1), 0);
    TraceAttributor.Known k = t.lookup(REF, 1);
    assertThat(k.wouldChange(seen("c2", "t2", 200, 2))).isFalse();
    assertThat(k.wouldChange(seen("c2", "", 50, 2))).isTrue();
    assertThat(
            k.wouldChange(
                new TraceAttributor.Observation(new Attribution("", "", "u", ""), 500, id(5))))
        .isTrue();
    assertThat(k.wouldChange(seen("", "", 1, 2))).isFalse();
  }

  @Test
  void aLookupIsASnapshot() {
    TraceAttributor t = new TraceAttributor(Duration.ofSeconds(30), 10);
    TraceAttributor.Known k = t.lookup(REF, 0);
    k.merge(seen("mine", "", 1, 1));
    assertThat(t.lookup(REF, 1).attribution()).isEqualTo(Attribution.NONE);
  }

  @Test
  void tenantsDoNotShareATraceId() {
    TraceAttributor t = new TraceAttributor(Duration.ofSeconds(30), 10);
    t.record(TraceAttributor.TraceRef.of("a", TRACE), seen("conv-a", "a", 100, 1), 0);
    assertThat(t.lookup(TraceAttributor.TraceRef.of("b", TRACE), 1).attribution())
        .isEqualTo(Attribution.NONE);
    assertThat(t.lookup(TraceAttributor.TraceRef.of("a", TRACE), 1).attribution().conversationId())
        .isEqualTo("conv-a");
  }

  @Test
  void forgetsATraceAfterTheWindowAndTheOldestPastTheBound() {
    TraceAttributor t = new TraceAttributor(Duration.ofNanos(100), 2);
    t.record(REF, seen("c1", "", 1, 1), 0);
    assertThat(t.lookup(REF, 100).attribution().conversationId()).isEqualTo("c1");
    assertThat(t.lookup(REF, 201).attribution()).isEqualTo(Attribution.NONE);
    t.record(REF, seen("c1", "", 1, 1), 300);
    t.record(TraceAttributor.TraceRef.of("", id(2)), seen("c2", "", 1, 1), 301);
    t.record(TraceAttributor.TraceRef.of("", id(3)), seen("c3", "", 1, 1), 302);
    assertThat(t.lookup(REF, 303).attribution())
        .as("evicted, the oldest of three")
        .isEqualTo(Attribution.NONE);
  }

  private static ByteString id(int n) {
    byte[] b = new byte[16];
    b[3] = (byte) n;
    b[15] = (byte) (n >>> 8);
    b[0] = 1;
    return ByteString.copyFrom(b);
  }
}
