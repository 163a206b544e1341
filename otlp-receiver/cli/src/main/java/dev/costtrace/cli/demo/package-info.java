/**
 * A realistic, seeded demo workload of LLM conversations, sent as OTLP through the OpenTelemetry
 * SDK.
 */
package dev.costtrace.cli.demo;
