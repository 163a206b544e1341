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
    if (!sse) {
      append(bytes, off, count);
      return;
    }
    int end = off + count;
    int i = off;
    while (i < end) {
      byte b = bytes[i];
      if (b == '\n' || b == '\r') {
        if (b == '\r' || !sawCarriageReturn) {
          line();
        }
        sawCarriageReturn = b == '\r';
        i++;
        continue;
      }
      sawCarriageReturn = false;
      // Copy the run up to the next line break in one go.
      int j = i + 1;
      while (j < end && bytes[j] != '\n' && bytes[j] != '\r') {
        j++;
      }
      if (!overflow) {
        append(bytes, i, j - i);
      }
      i = j;
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
    if (len >= 5
        && buf[0] == 'd'
        && buf[1] == 'a'
        && buf[2] == 't'
        && buf[3] == 'a'
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
      eventData =
          Arrays.copyOf(eventData, Math.min(maxBytes, Math.max(need, eventData.length * 2)));
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
    if (n == 6
        && new String(eventData, 0, 6, java.nio.charset.StandardCharsets.US_ASCII)
            .equals("[DONE]")) {
      return;
    }
    if (call.timeToFirstTokenNanos != null
        && call.responseId != null
        && !mayCarryCallData(eventData, n)) {
      return; // a plain content delta: nothing left to learn from it, skip the parse
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

  private static final byte[] USAGE = ascii("\"usage\"");
  private static final byte[] FINISH_REASON = ascii("\"finish_reason\"");
  private static final byte[] ERROR = ascii("\"error\"");
  private static final byte[] RESPONSE = ascii("\"response\"");

  /**
   * Whether an event may carry more than content: usage, a finish reason, an error, or a whole
   * Responses API response. Most events of a long stream are plain deltas; a byte scan is much
   * cheaper than parsing each one.
   */
  static boolean mayCarryCallData(byte[] d, int n) {
    return keyWithValue(d, n, USAGE, '{')
        || keyWithValue(d, n, FINISH_REASON, '"')
        || keyWithValue(d, n, ERROR, '{')
        || keyWithValue(d, n, RESPONSE, '{');
  }

  /** True if {@code key} occurs followed by optional whitespace, ':', whitespace, {@code first}. */
  private static boolean keyWithValue(byte[] d, int n, byte[] key, char first) {
    outer:
    for (int i = 0; i + key.length < n; i++) {
      for (int k = 0; k < key.length; k++) {
        if (d[i + k] != key[k]) {
          continue outer;
        }
      }
      int j = skipSpace(d, n, i + key.length);
      if (j < n && d[j] == ':') {
        j = skipSpace(d, n, j + 1);
        if (j < n && d[j] == first) {
          return true;
        }
      }
    }
    return false;
  }

  private static int skipSpace(byte[] d, int n, int i) {
    while (i < n && (d[i] == ' ' || d[i] == '\t' || d[i] == '\n' || d[i] == '\r')) {
      i++;
    }
    return i;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
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
