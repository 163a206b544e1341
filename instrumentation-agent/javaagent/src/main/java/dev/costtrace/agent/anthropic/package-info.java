/**
 * Anthropic Java SDK ({@code com.anthropic:anthropic-java}) messages — sync, async and streaming —
 * as gen_ai client spans through the shared {@code dev.costtrace.agent.genai} foundation, with
 * cache read and cache creation split into 5-minute and 1-hour writes when the response says. The
 * plain classes map SDK objects to the foundation's model; {@code AnthropicInstrumentationModule}
 * is the thin agent glue hooking {@code MessageServiceImpl} and {@code MessageServiceAsyncImpl}.
 */
package dev.costtrace.agent.anthropic;
