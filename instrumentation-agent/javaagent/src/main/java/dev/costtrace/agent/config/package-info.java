/**
 * The extension's entry point for the agent's autoconfiguration: adds the properties the agent
 * needs (the attribution headers to capture) and installs the CostTrace span processors.
 */
package dev.costtrace.agent.config;
