package dev.costtrace.agent.sampling;

import dev.costtrace.agent.genai.GenAiSettings;
import java.util.function.Function;

/**
 * How the agent samples, read through the agent's property resolution: {@code
 * -Dcosttrace.agent.keep-genai-spans=false} == {@code COSTTRACE_AGENT_KEEP_GENAI_SPANS=false}.
 *
 * <p>{@code costtrace.agent.keep-genai-spans} (default {@code true}): keep every gen_ai client and
 * {@code execute_tool} span whatever the configured sampler decides for its trace, so every LLM
 * call is counted. {@code false} leaves the configured sampler alone: LLM spans are then sampled
 * like any other and the money of the dropped traces is missing from every total.
 */
public final class SamplingSettings {
  public static final String KEEP_GENAI_SPANS_PROPERTY = "costtrace.agent.keep-genai-spans";
  public static final boolean DEFAULT_KEEP_GENAI_SPANS = true;

  private final boolean keepGenAiSpans;

  private SamplingSettings(boolean keepGenAiSpans) {
    this.keepGenAiSpans = keepGenAiSpans;
  }

  public static SamplingSettings defaults() {
    return new SamplingSettings(DEFAULT_KEEP_GENAI_SPANS);
  }

  /** Reads the properties; a value other than true/false fails naming the key. */
  public static SamplingSettings fromProperties(Function<String, String> properties) {
    return new SamplingSettings(
        GenAiSettings.booleanProperty(
            properties, KEEP_GENAI_SPANS_PROPERTY, DEFAULT_KEEP_GENAI_SPANS));
  }

  public boolean keepGenAiSpans() {
    return keepGenAiSpans;
  }
}
