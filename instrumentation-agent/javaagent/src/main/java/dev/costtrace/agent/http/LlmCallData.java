package dev.costtrace.agent.http;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * What one OpenAI-compatible call reported, in OTel GenAI semantics: input tokens include cached
 * tokens, output tokens include reasoning tokens. Fields are {@code null} when the payload did not
 * say (never a made-up zero).
 */
public final class LlmCallData {
  String requestModel;
  boolean stream;

  /** The request's maximum output tokens, for the budget estimate; null when it sets none. */
  Long maxTokens;

  String responseId;
  String responseModel;
  final List<String> finishReasons = new ArrayList<>();
  Long inputTokens;
  Long outputTokens;
  Long cacheReadTokens;
  Long cacheCreationTokens;
  Long reasoningTokens;
  String errorType;
  String serviceTier;

  /** Nanos from request start to the first content chunk; streams only. */
  Long timeToFirstTokenNanos;

  public String requestModel() {
    return requestModel;
  }

  public boolean stream() {
    return stream;
  }

  public String responseId() {
    return responseId;
  }

  public String responseModel() {
    return responseModel;
  }

  public List<String> finishReasons() {
    return Collections.unmodifiableList(finishReasons);
  }

  public Long inputTokens() {
    return inputTokens;
  }

  public Long outputTokens() {
    return outputTokens;
  }

  public Long cacheReadTokens() {
    return cacheReadTokens;
  }

  public Long cacheCreationTokens() {
    return cacheCreationTokens;
  }

  public Long reasoningTokens() {
    return reasoningTokens;
  }

  public String errorType() {
    return errorType;
  }

  public String serviceTier() {
    return serviceTier;
  }

  public Long timeToFirstTokenNanos() {
    return timeToFirstTokenNanos;
  }

  @Override
  public String toString() {
    return "LlmCallData{model="
        + requestModel
        + "/"
        + responseModel
        + ", id="
        + responseId
        + ", in="
        + inputTokens
        + ", out="
        + outputTokens
        + ", cacheRead="
        + cacheReadTokens
        + ", reasoning="
        + reasoningTokens
        + ", finish="
        + finishReasons
        + ", error="
        + errorType
        + "}";
  }
}
