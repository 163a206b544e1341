package dev.costtrace.agent.bedrock.gate;

import dev.costtrace.agent.genai.GenAiFailures;
import dev.costtrace.budget.api.ConversationBudgetExceededException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/** See {@link BedrockAsyncClientInstrumentation}. */
public final class BedrockBlockedFutures {
  private BedrockBlockedFutures() {}

  /**
   * {@code future} itself, unless it already failed with the budget's exception as the cause of the
   * SDK's wrapper (a call our interceptor blocked fails before the method returns): then a future
   * failed with the budget's exception.
   */
  public static <T> CompletableFuture<T> unwrapped(CompletableFuture<T> future) {
    if (future == null || !future.isCompletedExceptionally()) {
      return future;
    }
    try {
      future.getNow(null);
    } catch (CompletionException e) {
      Throwable blocked = e.getCause() == null ? null : e.getCause().getCause();
      if (blocked instanceof ConversationBudgetExceededException) {
        CompletableFuture<T> failed = new CompletableFuture<>();
        failed.completeExceptionally(blocked);
        return failed;
      }
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
    return future;
  }
}
