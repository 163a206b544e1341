/**
 * The budget API an application may compile against: {@link
 * dev.costtrace.budget.api.ConversationBudgetExceededException}, thrown by an LLM call the
 * CostTrace agent blocked, and {@link dev.costtrace.budget.api.ConversationBudgets#remaining}. The
 * agent puts this package on the bootstrap class path and makes every class loader take it from
 * there, so the exception the app catches is the agent's class whether or not the app ships this
 * jar. Without the agent nothing here blocks and {@code remaining} reports no limit.
 */
package dev.costtrace.budget.api;
