/** Costs of tool calls and other non-LLM work, per call and per unit, by tool name. */
package dev.costtrace.pricing.tools;
