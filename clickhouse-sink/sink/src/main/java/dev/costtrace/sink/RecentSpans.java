package dev.costtrace.sink;

/**
 * The span keys this sink wrote recently, in bounded memory: two generations of open-addressing
 * sets of 64-bit keys; when the current one fills, it becomes the previous one and the oldest is
 * dropped. Remembers at least {@code capacity} and at most twice as many of the latest spans, at 16
 * bytes per remembered span. Exporter retries and re-sends reach the same receiver (trace-ID
 * routing) within seconds to minutes, well inside this window. A span is keyed with its tenant key:
 * another tenant's span with the same IDs is another span. What this window misses (after a
 * restart) is written again, which costs only space: the span's key collapses it.
 */
final class RecentSpans {
  private final int capacity;
  private long[] current;
  private long[] previous;
  private int size;

  RecentSpans(int capacity) {
    this.capacity = capacity;
    this.current = new long[tableSize(capacity)];
    this.previous = new long[tableSize(capacity)];
  }

  private static int tableSize(int capacity) {
    return Integer.highestOneBit(Math.max(16, capacity) * 2 - 1) << 1;
  }

  /** True when the span was not remembered (and now is); false for a repeat. */
  synchronized boolean add(String authTenant, String traceId, String spanId) {
    long key = key(authTenant, traceId, spanId);
    if (contains(previous, key) || contains(current, key)) {
      return false;
    }
    if (size >= capacity) {
      long[] recycled = previous;
      previous = current;
      java.util.Arrays.fill(recycled, 0L);
      current = recycled;
      size = 0;
    }
    insert(current, key);
    size++;
    return true;
  }

  /**
   * Forgets a span, when its write did not happen after all (rejected row, failed batch). Linear
   * probing without tombstones: the entries after the key's slot in its run are shifted back into
   * the gap, so a removal costs the length of one run, not the table.
   */
  synchronized void remove(String authTenant, String traceId, String spanId) {
    long key = key(authTenant, traceId, spanId);
    if (delete(current, key)) {
      size--;
    }
    delete(previous, key);
  }

  private static boolean delete(long[] table, long key) {
    int mask = table.length - 1;
    int gap = (int) (mix(key) & mask);
    while (table[gap] != key) {
      if (table[gap] == 0) {
        return false;
      }
      gap = (gap + 1) & mask;
    }
    for (int j = (gap + 1) & mask; table[j] != 0; j = (j + 1) & mask) {
      int home = (int) (mix(table[j]) & mask);
      // The entry at j may fill the gap when the gap lies on its probe path, from home to j.
      if (((j - home) & mask) >= ((j - gap) & mask)) {
        table[gap] = table[j];
        gap = j;
      }
    }
    table[gap] = 0;
    return true;
  }

  private static boolean contains(long[] table, long key) {
    int mask = table.length - 1;
    for (int i = (int) (mix(key) & mask); ; i = (i + 1) & mask) {
      long k = table[i];
      if (k == 0) {
        return false;
      }
      if (k == key) {
        return true;
      }
    }
  }

  private static void insert(long[] table, long key) {
    int mask = table.length - 1;
    int i = (int) (mix(key) & mask);
    while (table[i] != 0 && table[i] != key) {
      i = (i + 1) & mask;
    }
    table[i] = key;
  }

  /** 64 bits of the (tenant key, trace, span) identity; never 0, which marks an empty slot. */
  static long key(String authTenant, String traceId, String spanId) {
    long h = 0xcbf29ce484222325L;
    for (int i = 0; i < authTenant.length(); i++) {
      h = (h ^ authTenant.charAt(i)) * 0x100000001b3L;
    }
    h = (h ^ '/') * 0x100000001b3L;
    for (int i = 0; i < traceId.length(); i++) {
      h = (h ^ traceId.charAt(i)) * 0x100000001b3L;
    }
    h = (h ^ '/') * 0x100000001b3L;
    for (int i = 0; i < spanId.length(); i++) {
      h = (h ^ spanId.charAt(i)) * 0x100000001b3L;
    }
    h = mix(h);
    return h == 0 ? 1 : h;
  }

  private static long mix(long z) {
    z = (z ^ (z >>> 33)) * 0xff51afd7ed558ccdL;
    z = (z ^ (z >>> 33)) * 0xc4ceb93fe53e2b97L;
    return z ^ (z >>> 33);
  }
}
