/**
 * The extension's entry point for the agent's autoconfiguration: adds the properties the agent
 * needs (the attribution headers to capture), installs the CostTrace span processors and wraps the
 * configured sampler so that every LLM call's span is kept.
 */
package dev.costtrace.agent.config;
