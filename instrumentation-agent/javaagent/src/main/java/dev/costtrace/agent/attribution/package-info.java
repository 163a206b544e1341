/**
 * Who an LLM call is for: the conversation, tenant, user and feature, taken from OTel Baggage set
 * by the application or from headers of the inbound HTTP request being served, and written onto the
 * spans of that request so every gen_ai span carries {@code gen_ai.conversation.id}.
 */
package dev.costtrace.agent.attribution;
