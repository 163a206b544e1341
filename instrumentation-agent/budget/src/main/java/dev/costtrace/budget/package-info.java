/**
 * Per-conversation budgets as a plain library, used by the agent (which decides before each LLM
 * call is sent) and by the receiver (which evaluates the same rules as spans arrive): the rules
 * ({@link dev.costtrace.budget.BudgetRules}, from settings and a reloaded rules file, scoped by
 * tenant, feature and service), the spend ledger ({@link dev.costtrace.budget.SpendLedger}), the
 * decision ({@link dev.costtrace.budget.BudgetEngine#admit}), with a token estimate and a price.
 * Money is integer picodollars (the pricer's 12 decimal places), exact. Java 8: it runs inside the
 * agent extension.
 */
package dev.costtrace.budget;
