package dev.costtrace.receiver.otlp;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.ByteString;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The table-driven hex of IDs gives what HexFormat gives. */
class OtlpJsonHexTest {
  @Test
  void sameAsHexFormat() {
    Random r = new Random(1);
    for (int i = 0; i < 10_000; i++) {
      byte[] id = new byte[r.nextInt(3) == 0 ? r.nextInt(20) : (r.nextBoolean() ? 16 : 8)];
      r.nextBytes(id);
      assertThat(OtlpJson.hex(ByteString.copyFrom(id))).isEqualTo(HexFormat.of().formatHex(id));
    }
    assertThat(OtlpJson.hex(ByteString.EMPTY)).isEmpty();
    assertThat(OtlpJson.hex(ByteString.copyFrom(new byte[] {0, (byte) 0xff, 0x0f, (byte) 0xa0})))
        .isEqualTo("00ff0fa0");
  }
}
