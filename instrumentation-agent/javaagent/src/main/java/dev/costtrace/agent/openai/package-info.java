/**
 * OpenAI Java SDK ({@code com.openai:openai-java}). Chat completions: the upstream agent's {@code
 * openai-java-1.1} span is extended, never doubled — {@code OpenAiChatCustomizer} (instrumenter
 * customizer SPI, runs in the extension's class loader and reads SDK objects reflectively, since
 * that loader cannot see the application's SDK classes) adds the API type, service tier and the
 * conversation ID from chat {@code metadata}, and {@code ChatStreamingInstrumentation} times a chat
 * stream's first chunk onto the upstream span. Responses API: no upstream span exists, so {@code
 * ResponseServiceInstrumentation} makes one per call (sync, async, streaming) through the {@code
 * dev.costtrace.agent.genai} foundation; {@code OpenAiResponsesModel} maps the SDK's objects. These
 * SDK-typed classes are injected next to the SDK, in the application's class loader.
 */
package dev.costtrace.agent.openai;
