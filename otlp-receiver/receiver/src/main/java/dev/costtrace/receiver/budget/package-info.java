/**
 * Budgets on the receiver's side: a per-conversation tally of what it has acknowledged (the agent
 * asks for it through the conversation API, before ClickHouse has it), the same rules as the agent
 * evaluated as spans arrive (for apps without the agent, which the receiver cannot block), the
 * events (the agent's decisions recorded on spans and the receiver's own observations) stored in
 * ClickHouse, counted on {@code /metrics}, and POSTed to a signed webhook once per conversation and
 * limit.
 */
package dev.costtrace.receiver.budget;
