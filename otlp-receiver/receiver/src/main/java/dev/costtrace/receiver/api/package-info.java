/**
 * The receiver's HTTP API for applications ({@code /api/v1/...} on the OTLP HTTP port): JSON with
 * money as decimal strings, RFC 9457 problem details for errors, parameterised queries only, and
 * with auth on a token sees only its own tenant. Today: one conversation's cost and budget state
 * ({@link dev.costtrace.receiver.api.ConversationApi}), which the agent asks for a conversation's
 * spend across processes.
 */
package dev.costtrace.receiver.api;
