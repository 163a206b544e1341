package dev.costtrace.agent.bedrock.gate;

import static net.bytebuddy.matcher.ElementMatchers.isPublic;
import static net.bytebuddy.matcher.ElementMatchers.named;
import static net.bytebuddy.matcher.ElementMatchers.namedOneOf;
import static net.bytebuddy.matcher.ElementMatchers.returns;

import io.opentelemetry.javaagent.extension.instrumentation.TypeInstrumentation;
import io.opentelemetry.javaagent.extension.instrumentation.TypeTransformer;
import java.util.concurrent.CompletableFuture;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.description.type.TypeDescription;
import net.bytebuddy.implementation.bytecode.assign.Assigner;
import net.bytebuddy.matcher.ElementMatcher;

/**
 * The async Bedrock Runtime client's {@code converse}, {@code converseStream}, {@code invokeModel}
 * and {@code invokeModelWithResponseStream}: the SDK's async handler turns anything its
 * interceptors throw into an {@code SdkClientException}, so a blocked call's future would fail with
 * the budget's exception only as a cause. The advice hands the app a future failed with the
 * budget's exception itself, as the other clients' async calls do; any other future is returned as
 * it is.
 */
final class BedrockAsyncClientInstrumentation implements TypeInstrumentation {
  @Override
  public ElementMatcher<TypeDescription> typeMatcher() {
    return named("software.amazon.awssdk.services.bedrockruntime.DefaultBedrockRuntimeAsyncClient");
  }

  @Override
  public void transform(TypeTransformer transformer) {
    transformer.applyAdviceToMethod(
        isPublic()
            .and(
                namedOneOf(
                    "converse", "converseStream", "invokeModel", "invokeModelWithResponseStream"))
            .and(returns(CompletableFuture.class)),
        BedrockAsyncClientInstrumentation.class.getName() + "$BlockedFutureAdvice");
  }

  @SuppressWarnings("unused")
  public static final class BlockedFutureAdvice {
    private BlockedFutureAdvice() {}

    @Advice.OnMethodExit(suppress = Throwable.class)
    public static void onExit(
        @Advice.Return(readOnly = false, typing = Assigner.Typing.DYNAMIC)
            CompletableFuture<?> future) {
      future = BedrockBlockedFutures.unwrapped(future);
    }
  }
}
