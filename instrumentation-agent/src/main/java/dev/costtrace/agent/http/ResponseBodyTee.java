package dev.costtrace.agent.http;

import java.io.IOException;
import java.util.Arrays;

/**
 * Sees each chunk of a response body as the application reads it (the bytes themselves are never
 * changed or held back) and reads the call's data from it: a JSON body into a buffer capped at
 * {@code maxBodyBytes} (past it, parsing is given up quietly), an SSE stream line by line as it
 * goes, holding at most one event's data at a time (also capped). Not thread-safe: one reader.
 */
public final class ResponseBodyTee {
  /** A clock so time to first token is testable; {@link System#nanoTime()} in production. */
  public interface Clock {
    long nanoTime();
  }

  private final LlmCallData call;
  private final boolean sse;
  private final int maxBytes;
  private final long startNanos;
  private final Clock clock;

  private byte[] buf = new byte[512];
  private int len;
  private boolean overflow;
  private boolean finished;

  // SSE state: the current line is buf[0..len); data lines of one event join in eventData.
  private byte[] eventData = new byte[0];
  private int eventLen;
  private boolean sawCarriageReturn;

  public ResponseBodyTee(
      LlmCallData call, boolean sse, int maxBytes, long startNanos, Clock clock) {
    this.call = call;
    this.sse = sse;
    this.maxBytes = maxBytes;
    this.startNanos = startNanos;
    this.clock = clock;
  }

  /** True for an SSE content type ({@code text/event-stream}, with or without parameters). */
  public static boolean isEventStream(String contentType) {
    return contentType != null
        && contentType.trim().toLowerCase(java.util.Locale.ROOT).startsWith("text/event-stream");
  }

  public void onBytes(byte[] bytes, int off, int count) {
    if (finished || count <= 0) {
      return;
    }
    if (HttpCaptureConfig.FAIL_FOR_TEST) {
      throw new IllegalStateException("costtrace test: failing tee hook");
    }
    if (!sse) {
      append(bytes, off, count);
      return;
    }
    for (int i = off; i < off + count; i++) {
      byte b = bytes[i];
      if (b == '\n') {
        if (!sawCarriageReturn) {
          line();
        }
        sawCarriageReturn = false;
      } else if (b == '\r') {
        line();
        sawCarriageReturn = true;
      } else {
        sawCarriageReturn = false;
        if (!overflow) {
          append(b);
        }
      }
    }
  }

  /**
   * Called once at end of body (or when the app closes it early): parses what was buffered and
   * returns the call. Never throws for a malformed body: the fields stay unknown.
   */
  public LlmCallData finish() {
    if (finished) {
      return call;
    }
    finished = true;
    try {
      if (sse) {
        if (len > 0) {
          line();
        }
        dispatchEvent();
      } else if (!overflow && len > 0) {
        OpenAiPayloads.readResponse(buf, len, call);
      }
    } catch (IOException | RuntimeException e) {
      // Malformed or unexpected payload: keep whatever was read, report nothing made up.
    }
    buf = null;
    eventData = null;
    return call;
  }

  private void line() {
    if (overflow) {
      // A line longer than the cap: drop it (and its event) rather than grow.
      overflow = false;
      len = 0;
      eventLen = -1;
      return;
    }
    if (len == 0) {
      dispatchEvent();
      return;
    }
    if (len >= 5 && buf[0] == 'd' && buf[1] == 'a' && buf[2] == 't' && buf[3] == 'a'
        && buf[4] == ':') {
      int from = len > 5 && buf[5] == ' ' ? 6 : 5;
      if (eventLen >= 0) {
        appendEventData(buf, from, len - from);
      }
    }
    len = 0;
  }

  private void appendEventData(byte[] src, int off, int count) {
    int need = eventLen + count + (eventLen > 0 ? 1 : 0);
    if (need > maxBytes) {
      eventLen = -1; // too large: skip this event
      return;
    }
    if (need > eventData.length) {
      eventData = Arrays.copyOf(eventData, Math.min(maxBytes, Math.max(need, eventData.length * 2)));
    }
    if (eventLen > 0) {
      eventData[eventLen++] = '\n';
    }
    System.arraycopy(src, off, eventData, eventLen, count);
    eventLen += count;
  }

  private void dispatchEvent() {
    int n = eventLen;
    eventLen = 0;
    if (n <= 0) {
      return;
    }
    if (n == 6 && new String(eventData, 0, 6, java.nio.charset.StandardCharsets.US_ASCII)
        .equals("[DONE]")) {
      return;
    }
    try {
      boolean content = OpenAiPayloads.readStreamEvent(eventData, n, call);
      if (content && call.timeToFirstTokenNanos == null) {
        call.timeToFirstTokenNanos = clock.nanoTime() - startNanos;
      }
    } catch (IOException | RuntimeException e) {
      // One malformed event: skip it, keep reading the stream.
    }
  }

  private void append(byte b) {
    if (len == buf.length && !grow(1)) {
      return;
    }
    buf[len++] = b;
  }

  private void append(byte[] bytes, int off, int count) {
    if (overflow) {
      return;
    }
    if (len + count > buf.length && !grow(count)) {
      return;
    }
    System.arraycopy(bytes, off, buf, len, count);
    len += count;
  }

  private boolean grow(int more) {
    long need = (long) len + more;
    if (need > maxBytes) {
      overflow = true;
      if (!sse) {
        buf = new byte[0]; // give the memory back at once; this body will not be parsed
        len = 0;
      }
      return false;
    }
    buf = Arrays.copyOf(buf, (int) Math.min(maxBytes, Math.max(need, (long) buf.length * 2)));
    return true;
  }
}
