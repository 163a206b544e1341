package dev.costtrace.receiver.ingest;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A memory budget shared by both transports: every request in flight holds an estimate of what it
 * occupies on the heap (its bytes times {@link #HEAP_PER_BYTE}, for the decoded messages), and a
 * request that would take the total past the budget is refused with a retryable status instead of
 * being read. This keeps memory bounded however many exporters push at once.
 */
final class AdmissionControl {
  /** Decoded OTLP protobuf and its priced rows take about this many heap bytes per wire byte. */
  static final int HEAP_PER_BYTE = 4;

  private final long budgetBytes;
  private final AtomicLong inFlight = new AtomicLong();

  AdmissionControl(long budgetBytes) {
    this.budgetBytes = budgetBytes;
  }

  /** Reserves room for {@code wireBytes} more bytes; false (nothing reserved) when over budget. */
  boolean tryAcquire(long wireBytes) {
    long heap = wireBytes * HEAP_PER_BYTE;
    while (true) {
      long now = inFlight.get();
      // One request alone is always admitted, so a budget below the request limit cannot starve it.
      if (now > 0 && now + heap > budgetBytes) {
        return false;
      }
      if (inFlight.compareAndSet(now, now + heap)) {
        return true;
      }
    }
  }

  void release(long wireBytes) {
    inFlight.addAndGet(-wireBytes * HEAP_PER_BYTE);
  }

  long inFlightBytes() {
    return inFlight.get();
  }

  long budgetBytes() {
    return budgetBytes;
  }
}
