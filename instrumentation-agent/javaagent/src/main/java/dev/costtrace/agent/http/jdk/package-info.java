/**
 * JDK {@code java.net.http.HttpClient} wiring of the OpenAI-compatible HTTP capture: the agent
 * wraps the {@code BodyHandler} of each request to a listed LLM host so the {@code BodySubscriber}
 * the app gets passes every byte buffer through unchanged and shows a copy to the tee. Helpers only
 * wire; the logic is in {@code dev.costtrace.agent.http}.
 */
package dev.costtrace.agent.http.jdk;
