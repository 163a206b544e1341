package dev.costtrace.budget;

import java.io.IOException;

/** What the receiver knows of a conversation's spend, across every process that exports to it. */
public interface RemoteSpend {
  /**
   * The conversation's spend and LLM calls as the receiver knows them; {@link Snapshot#NONE} when
   * it knows nothing of it; throws when the receiver cannot be asked.
   */
  Snapshot fetch(String conversationId) throws IOException;

  /** Where it asks, for log lines. */
  String describe();

  /** One answer. */
  final class Snapshot {
    public static final Snapshot NONE = new Snapshot(0, 0);

    public final long spendPico;
    public final long llmCalls;

    public Snapshot(long spendPico, long llmCalls) {
      this.spendPico = spendPico;
      this.llmCalls = llmCalls;
    }
  }
}
