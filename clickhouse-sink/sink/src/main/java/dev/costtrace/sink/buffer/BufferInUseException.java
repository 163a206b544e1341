package dev.costtrace.sink.buffer;

import java.io.IOException;
import java.nio.file.Path;

/** Another process (or another sink in this one) holds the buffer directory's lock. */
public final class BufferInUseException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient Path directory;

  public BufferInUseException(String message, Path directory) {
    super(message);
    this.directory = directory;
  }

  /** The directory that is in use. */
  public Path directory() {
    return directory;
  }
}
