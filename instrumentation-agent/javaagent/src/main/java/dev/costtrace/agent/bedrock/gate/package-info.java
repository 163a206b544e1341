/**
 * The budget gate of Amazon Bedrock Runtime calls: an AWS SDK {@code ExecutionInterceptor} of ours,
 * registered after the upstream agent's, admits each {@code Converse}, {@code ConverseStream},
 * {@code InvokeModel} and {@code InvokeModelWithResponseStream} call in {@code modifyRequest}, once
 * upstream's span has started and before the request is marshalled: the decision goes on that span,
 * a downgrade rebuilds the request with the cheaper model id, a block ends upstream's span and
 * throws. {@code BedrockSpanExtractor} settles the call with the usage it records when that span
 * ends. These classes are injected next to the SDK (helper classes and the SDK's global interceptor
 * list, a helper resource).
 */
package dev.costtrace.agent.bedrock.gate;
