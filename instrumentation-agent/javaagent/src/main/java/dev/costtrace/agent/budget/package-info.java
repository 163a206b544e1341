/**
 * The agent's side of budgets, in the extension's class loader only (never injected next to an
 * instrumented library): puts the budget API on the bootstrap class path ({@link
 * dev.costtrace.agent.budget.BudgetBootstrapPackages}), builds the shared budget engine from the
 * agent's configuration with span-pricing's catalog and installs it as the JVM's one gate ({@link
 * dev.costtrace.agent.budget.AgentBudgets}), and resolves each call's conversation, tenant and
 * feature from its span ({@link dev.costtrace.agent.budget.AgentBudgetGate}).
 */
package dev.costtrace.agent.budget;
