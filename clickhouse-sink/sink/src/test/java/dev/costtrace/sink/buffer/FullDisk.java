package dev.costtrace.sink.buffer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A disk with little room left, as the buffer's segment channels see it: writes take what room
 * there is, part of a record if that is all, and the next write fails with "No space left on
 * device", as {@code write(2)} does; truncating gives the room back. The test decides when room
 * appears again ({@link #free}).
 */
final class FullDisk implements WriteAheadBuffer.Channels {
  private final AtomicLong free;

  FullDisk(long freeBytes) {
    this.free = new AtomicLong(freeBytes);
  }

  /** Room is made (ClickHouse drained, an operator deleted files). */
  void free(long bytes) {
    free.addAndGet(bytes);
  }

  @Override
  public FileChannel open(Path file, Set<OpenOption> options) throws IOException {
    return new Channel(WriteAheadBuffer.Channels.OWNER_ONLY.open(file, options));
  }

  private final class Channel extends FileChannel {
    private final FileChannel delegate;

    Channel(FileChannel delegate) {
      this.delegate = delegate;
    }

    /** How much of {@code wanted} bytes fit; throws when nothing does. */
    private long room(long wanted) throws IOException {
      while (true) {
        long left = free.get();
        if (left <= 0 && wanted > 0) {
          throw new IOException("No space left on device");
        }
        long take = Math.min(left, wanted);
        if (free.compareAndSet(left, left - take)) {
          return take;
        }
      }
    }

    @Override
    public int write(ByteBuffer src) throws IOException {
      int allowed = (int) room(src.remaining());
      ByteBuffer part = src.duplicate();
      part.limit(part.position() + allowed);
      int n = delegate.write(part);
      src.position(src.position() + n);
      return n;
    }

    @Override
    public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
      long written = 0;
      for (int i = offset; i < offset + length; i++) {
        if (!srcs[i].hasRemaining()) {
          continue;
        }
        if (written > 0 && free.get() <= 0) {
          break; // a short write: the caller's next write fails
        }
        written += write(srcs[i]);
        if (srcs[i].hasRemaining()) {
          break;
        }
      }
      return written;
    }

    @Override
    public int write(ByteBuffer src, long position) throws IOException {
      throw new UnsupportedOperationException("positional writes are not used by the buffer");
    }

    @Override
    public FileChannel truncate(long size) throws IOException {
      long before = delegate.size();
      delegate.truncate(size);
      if (size < before) {
        free.addAndGet(before - size);
      }
      return this;
    }

    @Override
    public int read(ByteBuffer dst) throws IOException {
      return delegate.read(dst);
    }

    @Override
    public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
      return delegate.read(dsts, offset, length);
    }

    @Override
    public int read(ByteBuffer dst, long position) throws IOException {
      return delegate.read(dst, position);
    }

    @Override
    public long position() throws IOException {
      return delegate.position();
    }

    @Override
    public FileChannel position(long newPosition) throws IOException {
      delegate.position(newPosition);
      return this;
    }

    @Override
    public long size() throws IOException {
      return delegate.size();
    }

    @Override
    public void force(boolean metaData) throws IOException {
      delegate.force(metaData);
    }

    @Override
    public long transferTo(long position, long count, WritableByteChannel target)
        throws IOException {
      return delegate.transferTo(position, count, target);
    }

    @Override
    public long transferFrom(ReadableByteChannel src, long position, long count) {
      throw new UnsupportedOperationException();
    }

    @Override
    public MappedByteBuffer map(MapMode mode, long position, long size) {
      throw new UnsupportedOperationException();
    }

    @Override
    public FileLock lock(long position, long size, boolean shared) throws IOException {
      return delegate.lock(position, size, shared);
    }

    @Override
    public FileLock tryLock(long position, long size, boolean shared) throws IOException {
      return delegate.tryLock(position, size, shared);
    }

    @Override
    protected void implCloseChannel() throws IOException {
      delegate.close();
    }
  }
}
