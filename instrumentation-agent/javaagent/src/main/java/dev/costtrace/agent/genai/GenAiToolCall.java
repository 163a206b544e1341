package dev.costtrace.agent.genai;

/**
 * One tool execution a framework runs for the model: what the {@code execute_tool} span records.
 * Arguments and result are message content: set them only when content capture is on ({@link
 * GenAiSettings#captureContent()}); {@code null} is not written.
 */
public final class GenAiToolCall {
  /** {@code gen_ai.tool.type} of an application function the model called. */
  public static final String TYPE_FUNCTION = "function";

  private final String name;
  private final String callId;
  private final String type;
  private final String arguments;
  private final String conversationId;
  private volatile String result;
  private volatile String errorType;

  public GenAiToolCall(
      String name, String callId, String type, String arguments, String conversationId) {
    this.name = name;
    this.callId = callId;
    this.type = type;
    this.arguments = arguments;
    this.conversationId = conversationId;
  }

  public String name() {
    return name;
  }

  public String callId() {
    return callId;
  }

  public String type() {
    return type;
  }

  public String arguments() {
    return arguments;
  }

  /** A conversation ID known to the framework; the lowest precedence, as for chat spans. */
  public String conversationId() {
    return conversationId;
  }

  public String result() {
    return result;
  }

  /** The result text to record (content: only when capture is on). */
  public void result(String v) {
    this.result = v;
  }

  /** Set when the tool failed without an exception reaching us (a framework's error result). */
  public String errorType() {
    return errorType;
  }

  public void errorType(String v) {
    this.errorType = v;
  }
}
