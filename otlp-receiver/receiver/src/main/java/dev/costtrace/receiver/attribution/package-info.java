/**
 * Trace-based attribution: the conversation, tenant, user and feature found on any span of a trace
 * (root server span, baggage-stamped span, resource) reach every LLM and tool span of that trace.
 */
package dev.costtrace.receiver.attribution;
