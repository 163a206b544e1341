/**
 * Reads span attributes of any emitter's conventions (OpenTelemetry GenAI current and deprecated,
 * OpenLLMetry, OpenInference, OpenLIT, Spring AI, LangChain4j) into one {@link
 * dev.costtrace.pricing.normalize.NormalizedSpan} with disjoint token classes, and canonicalises
 * provider and model identity.
 */
package dev.costtrace.pricing.normalize;
