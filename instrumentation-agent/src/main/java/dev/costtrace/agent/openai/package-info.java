/**
 * OpenAI Java SDK: CostTrace extends the upstream agent's {@code openai-java-1.1} chat span (never a
 * second span) through the instrumenter customizer SPI with the service tier and the conversation ID
 * from the request's {@code metadata}; SDK objects are read reflectively because this code runs in
 * the agent's class loader, which cannot see the application's SDK classes.
 */
package dev.costtrace.agent.openai;
