package dev.costtrace.agent.http.okhttp;

import dev.costtrace.agent.http.LlmHttpSpan;
import dev.costtrace.agent.http.ResponseBodyTee;
import java.io.IOException;
import okhttp3.MediaType;
import okhttp3.ResponseBody;
import okio.Buffer;
import okio.BufferedSource;
import okio.ForwardingSource;
import okio.Okio;

/**
 * The original body, byte for byte, with every chunk the app reads also shown to the tee; the span
 * ends at end of stream or on close, whichever comes first.
 */
final class TeeResponseBody extends ResponseBody {
  private final ResponseBody delegate;
  private final ResponseBodyTee tee;
  private final LlmHttpSpan span;
  private BufferedSource source;

  TeeResponseBody(ResponseBody delegate, ResponseBodyTee tee, LlmHttpSpan span) {
    this.delegate = delegate;
    this.tee = tee;
    this.span = span;
  }

  @Override
  public MediaType contentType() {
    return delegate.contentType();
  }

  @Override
  public long contentLength() {
    return delegate.contentLength();
  }

  @Override
  public BufferedSource source() {
    if (source == null) {
      source = Okio.buffer(new TeeSource(delegate.source()));
    }
    return source;
  }

  @Override
  public void close() {
    try {
      delegate.close();
    } finally {
      span.end(tee);
    }
  }

  private final class TeeSource extends ForwardingSource {
    private final Buffer copy = new Buffer();
    private final byte[] chunk = new byte[8192];

    TeeSource(okio.Source delegate) {
      super(delegate);
    }

    @Override
    public long read(Buffer sink, long byteCount) throws IOException {
      long n = super.read(sink, byteCount);
      try {
        if (n > 0) {
          sink.copyTo(copy, sink.size() - n, n);
          while (copy.size() > 0) {
            int r = copy.read(chunk, 0, chunk.length);
            tee.onBytes(chunk, 0, r);
          }
        } else if (n == -1) {
          span.end(tee);
        }
      } catch (Throwable t) {
        copy.clear();
      }
      return n;
    }

    @Override
    public void close() throws IOException {
      try {
        super.close();
      } finally {
        span.end(tee);
      }
    }
  }
}
