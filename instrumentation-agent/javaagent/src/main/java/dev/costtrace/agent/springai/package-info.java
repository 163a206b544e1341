/**
 * Spring AI ({@code org.springframework.ai}, 1.0 to 2.0) model calls as gen_ai client spans and its
 * tool executions as {@code execute_tool} spans, through the shared {@code
 * dev.costtrace.agent.genai} foundation. Every Spring AI chat model, whatever its provider, runs
 * each model call inside a {@code ChatModelObservationContext} observation and each tool call
 * inside a {@code ToolCallingObservationContext} one, whether or not the app configured an
 * observation registry; the span is made around that observation. {@code
 * SpringAiInstrumentationModule} is the thin agent glue (Java 8, loading the Java 17 rest by name);
 * {@code SpringAiTelemetry} is what the advice calls.
 */
package dev.costtrace.agent.springai;
