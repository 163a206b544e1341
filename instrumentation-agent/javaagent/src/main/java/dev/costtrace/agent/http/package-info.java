/**
 * Capture of OpenAI-compatible HTTP calls (api.openai.com, Azure OpenAI, Ollama and any host the
 * user lists) below any SDK: which hosts and paths count as LLM calls, and reading the model,
 * usage, response id and finish reasons from the request body, the JSON response body and SSE
 * streams while the application consumes them, in bounded memory. Plain classes, testable without
 * the agent; the OkHttp wiring lives in {@code dev.costtrace.agent.http.okhttp}.
 */
package dev.costtrace.agent.http;
