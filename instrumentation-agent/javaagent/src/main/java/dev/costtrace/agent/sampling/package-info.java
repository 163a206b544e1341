/**
 * Every LLM call's span whatever the trace sampler decides: {@link
 * dev.costtrace.agent.sampling.GenAiKeepingSampler} wraps the sampler the application configured
 * and records and exports gen_ai client spans and {@code execute_tool} spans it would drop, marked
 * {@code costtrace.sampling.kept_for_cost=true}, while every other span is sampled exactly as that
 * sampler decides — the children of a kept span included.
 */
package dev.costtrace.agent.sampling;
