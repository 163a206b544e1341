package dev.costtrace.agent.genai;

/**
 * Where every instrumentation of the extension puts a failure of its own: swallowed, so telemetry
 * never changes what the application sees, and printed to stderr only with {@code
 * -Dcosttrace.agent.debug=true}.
 */
public final class GenAiFailures {
  static final boolean DEBUG = Boolean.getBoolean("costtrace.agent.debug");

  private GenAiFailures() {}

  /**
   * Contains {@code t}; rethrows nothing, not even errors (the app's own errors never pass here).
   */
  public static void contain(Throwable t) {
    if (DEBUG && t != null) {
      System.err.println("[costtrace] contained agent failure:");
      t.printStackTrace();
    }
  }
}
