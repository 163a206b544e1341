/**
 * A stand-in for the LLM vendors' HTTP APIs: serves recorded OpenAI and Anthropic responses (the
 * demo has no network access to, or keys for, the real ones).
 */
package dev.costtrace.demo.vendor;
