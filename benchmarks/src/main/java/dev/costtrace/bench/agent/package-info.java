/**
 * Benchmarks of the instrumentation agent's hot paths, in-process: reading usage from response
 * bodies as the application reads them, beside the application's own read of the same bytes, and
 * what the extension's own code adds to one LLM call (attribution, gen_ai span, Anthropic and HTTP
 * capture work). The attached-agent comparison with the upstream agent lives beside the agent's ITs
 * ({@code dev.costtrace.agent.it.AgentOverheadBenchmark}).
 */
package dev.costtrace.bench.agent;
