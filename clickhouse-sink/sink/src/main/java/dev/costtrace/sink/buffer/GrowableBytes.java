package dev.costtrace.sink.buffer;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Arrays;

/**
 * A growable byte array as an output stream, unsynchronised: DataOutputStream writes an int as four
 * single-byte writes, and ByteArrayOutputStream takes a lock for each (about 200 per row). Can be
 * cut back to an earlier size, so that a row that fails half-written leaves no bytes.
 */
public final class GrowableBytes extends OutputStream {
  private byte[] buf;
  private int count;

  public GrowableBytes(int capacity) {
    buf = new byte[Math.max(16, capacity)];
  }

  private void ensure(int more) {
    if (count + more > buf.length) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, count + more));
    }
  }

  @Override
  public void write(int b) {
    ensure(1);
    buf[count++] = (byte) b;
  }

  @Override
  public void write(byte[] b, int off, int len) {
    ensure(len);
    System.arraycopy(b, off, buf, count, len);
    count += len;
  }

  public int size() {
    return count;
  }

  /** Drops everything written after the first {@code size} bytes. */
  public void truncate(int size) {
    if (size < 0 || size > count) {
      throw new IllegalArgumentException("size " + size + " outside 0.." + count);
    }
    count = size;
  }

  public byte[] toByteArray() {
    return Arrays.copyOf(buf, count);
  }

  /** The bytes written so far, read in place (no copy); write nothing more while it is read. */
  public InputStream inputStream() {
    return new ByteArrayInputStream(buf, 0, count);
  }
}
