/**
 * Azure OpenAI: the Azure OpenAI client library ({@code com.azure:azure-ai-openai}) chat
 * completions — sync, async ({@code Mono}), streamed ({@code IterableStream}, {@code Flux}) — as
 * gen_ai client spans through the {@code dev.costtrace.agent.genai} foundation, provider {@code
 * azure.ai.openai}; and {@link dev.costtrace.agent.azure.AzureDeployments}, the deployment-to-model
 * table ({@code costtrace.azure.deployments}, the receiver's setting) every Azure OpenAI span of
 * the agent resolves its request model with.
 */
package dev.costtrace.agent.azure;
