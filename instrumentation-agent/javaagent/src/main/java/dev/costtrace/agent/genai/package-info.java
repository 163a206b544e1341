/**
 * The shared gen_ai foundation every LLM instrumentation of the extension uses to make exactly one
 * OpenTelemetry GenAI client span per LLM call: the semconv attribute keys ({@link
 * dev.costtrace.agent.genai.GenAiAttributes}), a plain model of a call and its result ({@link
 * dev.costtrace.agent.genai.GenAiRequest}, {@link dev.costtrace.agent.genai.GenAiResponse}, {@link
 * dev.costtrace.agent.genai.GenAiUsage}), the span lifecycle on the upstream {@code Instrumenter}
 * ({@link dev.costtrace.agent.genai.GenAiInstrumenter}), a stream accumulator that ends the span
 * when the stream completes, fails or is closed ({@link dev.costtrace.agent.genai.GenAiStream}),
 * the call lifecycle SDK advice needs ({@link dev.costtrace.agent.genai.GenAiCall}, {@link
 * dev.costtrace.agent.genai.GenAiStreamCall}) and the observation of a vendor stream's events
 * ({@link dev.costtrace.agent.genai.ObservedSpliterator}), and the rule that an inner layer (an
 * HTTP-level capture under an SDK) makes no second span for a call an outer layer already traces
 * ({@link dev.costtrace.agent.genai.GenAiSpans}).
 */
package dev.costtrace.agent.genai;
