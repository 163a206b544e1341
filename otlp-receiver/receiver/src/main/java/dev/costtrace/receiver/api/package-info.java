/**
 * The conversation cost API on the receiver's HTTP port ({@code /api/v1/}): one conversation with
 * its budget state (which the agent's budgets read for a conversation's spend across processes), a
 * page of conversations, grouped spend, and the OpenAPI document that describes them; JSON with
 * money as decimal strings, RFC 9457 problems, tenant-scoped by bearer token. The reads are {@link
 * dev.costtrace.sink.report.ConversationCosts}'; this package is the HTTP glue.
 */
package dev.costtrace.receiver.api;
