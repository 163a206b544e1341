/**
 * The demo application of the compose stack: a small app on the real OpenAI and Anthropic Java SDKs
 * that holds support, document-search and code-review conversations against {@code RecordedVendor},
 * run with the CostTrace agent attached so that its LLM calls reach the receiver as agent-made
 * spans, as a user's app does. {@link dev.costtrace.demo.Main} starts either part.
 */
package dev.costtrace.demo;
