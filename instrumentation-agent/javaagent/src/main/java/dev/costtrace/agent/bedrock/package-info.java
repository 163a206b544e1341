/**
 * Amazon Bedrock Runtime through the AWS SDK v2 ({@code Converse}, {@code ConverseStream}, {@code
 * InvokeModel}): the upstream agent's {@code aws-sdk-2.2} instrumentation makes the gen_ai span;
 * this package adds, on that same span, the usage the receiver prices — semconv input including
 * cache reads and writes, cache read, cache creation, exact counts where upstream estimates — and
 * the response id and model where the model's body names them. {@code BedrockInvokeModelUsage} and
 * {@code BedrockUsage} are plain classes; {@code BedrockSpanExtractor} reads the SDK objects by
 * reflection from the agent's extension class loader.
 */
package dev.costtrace.agent.bedrock;
