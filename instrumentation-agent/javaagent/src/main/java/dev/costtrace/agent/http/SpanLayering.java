package dev.costtrace.agent.http;

/**
 * Decides whether the HTTP layer may make the gen_ai span for a request, so that one LLM call is
 * one span (a second span would bill the call twice). The HTTP layer is the last resort: it yields
 * to any SDK- or framework-level gen_ai span, which knows the call as the app made it (one span
 * over the SDK's own retries, request parameters, content capture).
 *
 * <p>A vendor SDK request is recognised by the {@code X-Stainless-*} headers that the OpenAI and
 * Anthropic Java SDKs send on every request: the upstream agent's {@code openai-java} span (or
 * ours) covers those calls, so the HTTP layer stays out even when that span is not the current one
 * on this thread (async SDK calls).
 */
public final class SpanLayering {
  public static final String SDK_HEADER = "X-Stainless-Lang";

  private SpanLayering() {}

  /** True when the HTTP layer should capture this request. */
  public static boolean httpLayerCaptures(String sdkHeaderValue) {
    return sdkHeaderValue == null;
  }
}
