/**
 * Google Gen AI Java SDK ({@code com.google.genai:google-genai}) {@code generateContent} and {@code
 * generateContentStream}, blocking and async, on the Gemini API ({@code gcp.gemini}) and on Vertex
 * AI ({@code gcp.vertex_ai}), as gen_ai client spans through the shared {@code
 * dev.costtrace.agent.genai} foundation: usage with cached content and thinking tokens. The plain
 * classes map SDK objects to the foundation's model; {@code GoogleGenAiInstrumentationModule} is
 * the thin agent glue.
 */
package dev.costtrace.agent.googlegenai;
