package dev.costtrace.sink.buffer;

import java.nio.file.Path;

/**
 * A second process for {@link WriteAheadBufferTest}: opens the buffer directory given as its
 * argument, prints {@code OPENED} (or {@code REFUSED <message>}), and keeps it open until its
 * standard input closes.
 */
public final class BufferHolder {
  private BufferHolder() {}

  public static void main(String[] args) throws Exception {
    WriteAheadBuffer buffer;
    try {
      buffer = new WriteAheadBuffer(Path.of(args[0]), 1 << 20, 64 << 10, WriteAheadBuffer.Sync.OS);
    } catch (BufferInUseException e) {
      System.out.println("REFUSED " + e.getMessage());
      System.out.flush();
      return;
    }
    System.out.println("OPENED");
    System.out.flush();
    while (System.in.read() >= 0) {
      // held until the parent closes our stdin
    }
    buffer.close();
  }
}
