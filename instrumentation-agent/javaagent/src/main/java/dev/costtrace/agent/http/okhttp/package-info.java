/**
 * OkHttp wiring of the OpenAI-compatible HTTP capture: the agent adds {@link
 * dev.costtrace.agent.http.okhttp.LlmCallInterceptor} to every OkHttpClient it sees built; the
 * interceptor passes the response body through a tee that reads usage as the application reads the
 * bytes. Advice and helpers only wire; the logic is in {@code dev.costtrace.agent.http}.
 */
package dev.costtrace.agent.http.okhttp;
