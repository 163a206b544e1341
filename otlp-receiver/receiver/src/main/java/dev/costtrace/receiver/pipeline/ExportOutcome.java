package dev.costtrace.receiver.pipeline;

/**
 * OTLP partial success: how many spans of a request were rejected, and why.
 *
 * @param rejectedSpans spans not accepted; 0 when all were
 * @param errorMessage why, human-readable; empty when none were rejected
 */
public record ExportOutcome(long rejectedSpans, String errorMessage) {
  private static final ExportOutcome ALL_ACCEPTED = new ExportOutcome(0, "");

  public static ExportOutcome allAccepted() {
    return ALL_ACCEPTED;
  }
}
