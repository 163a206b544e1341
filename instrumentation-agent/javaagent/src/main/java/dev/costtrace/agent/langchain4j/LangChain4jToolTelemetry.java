package dev.costtrace.agent.langchain4j;

import dev.costtrace.agent.genai.GenAiFailures;
import dev.costtrace.agent.genai.GenAiSettings;
import dev.costtrace.agent.genai.GenAiToolCall;
import dev.costtrace.agent.genai.GenAiToolInstrumenter;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.invocation.InvocationContext;
import dev.langchain4j.service.tool.ToolExecutionResult;
import io.opentelemetry.api.GlobalOpenTelemetry;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.ContextKey;
import io.opentelemetry.context.Scope;
import java.util.concurrent.atomic.AtomicReference;

/**
 * AiServices tool executions as {@code execute_tool} spans. The span covers {@code
 * ToolService.executeWithErrorHandling}, the one place every AiServices tool call (sync, streaming,
 * sequential or concurrent, any executor) passes; that method turns a tool's exception into an
 * error result, so the executor advice records what the tool threw in the span's context and the
 * span reports its type. Arguments and result text only with content capture on.
 */
public final class LangChain4jToolTelemetry {
  /** What the executor threw inside the current tool span (the innermost report wins). */
  static final ContextKey<AtomicReference<Throwable>> THROWN =
      ContextKey.named("costtrace-langchain4j-tool-thrown");

  /** LangChain4j's wrappers around what the tool method itself threw. */
  private static final String TOOL_EXECUTION_EXCEPTION =
      "dev.langchain4j.exception.ToolExecutionException";

  private static final String TOOL_ARGUMENTS_EXCEPTION =
      "dev.langchain4j.exception.ToolArgumentsException";

  private static volatile GenAiToolInstrumenter instrumenter;
  private static volatile GenAiSettings settings;

  private LangChain4jToolTelemetry() {}

  static GenAiToolInstrumenter instrumenter() {
    GenAiToolInstrumenter i = instrumenter;
    if (i == null) {
      i =
          GenAiToolInstrumenter.create(
              GlobalOpenTelemetry.get(), LangChain4jTelemetry.INSTRUMENTATION_NAME);
      instrumenter = i;
    }
    return i;
  }

  static boolean captureContent() {
    GenAiSettings s = settings;
    if (s == null) {
      s = GenAiSettings.fromSystem();
      settings = s;
    }
    return s.captureContent();
  }

  /** Starts the tool span and makes it current; null when not traced. */
  public static ToolSpan start(ToolExecutionRequest request, InvocationContext invocation) {
    try {
      boolean content = captureContent();
      String conversationId = LangChain4jTelemetry.memoryConversationId();
      if (conversationId == null && invocation != null) {
        conversationId = LangChain4jSemconv.conversationId(invocation.chatMemoryId());
      }
      GenAiToolCall call =
          new GenAiToolCall(
              request.name(),
              request.id(),
              GenAiToolCall.TYPE_FUNCTION,
              content ? request.arguments() : null,
              conversationId);
      Context context = instrumenter().start(Context.current(), call);
      if (context == null) {
        return null;
      }
      AtomicReference<Throwable> thrown = new AtomicReference<>();
      return new ToolSpan(
          call, context, context.with(THROWN, thrown).makeCurrent(), thrown, content);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
      return null;
    }
  }

  /** An executor threw {@code error} (LangChain4j may still turn it into an error result). */
  public static void thrown(Throwable error) {
    try {
      AtomicReference<Throwable> holder = Context.current().get(THROWN);
      if (holder != null && error != null) {
        holder.compareAndSet(null, error);
      }
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
  }

  public static void end(ToolSpan span, ToolExecutionResult result, Throwable error) {
    if (span == null) {
      return;
    }
    try {
      span.scope.close();
      Throwable failure = error;
      if (failure == null && result != null && result.isError()) {
        failure = unwrap(span.thrown.get());
        if (failure == null) {
          span.call.errorType("_OTHER"); // an error result no exception of ours saw
        }
      }
      if (span.captureContent && result != null) {
        try {
          span.call.result(result.resultText());
        } catch (RuntimeException e) {
          // Non-text (or several) result contents: no text to record.
        }
      }
      instrumenter().end(span.context, span.call, failure);
    } catch (Throwable t) {
      GenAiFailures.contain(t);
    }
  }

  /** The tool's own exception inside LangChain4j's wrapper. */
  static Throwable unwrap(Throwable t) {
    if (t == null || t.getCause() == null) {
      return t;
    }
    String type = t.getClass().getName();
    return type.equals(TOOL_EXECUTION_EXCEPTION) || type.equals(TOOL_ARGUMENTS_EXCEPTION)
        ? t.getCause()
        : t;
  }

  /** A started tool execution. */
  public static final class ToolSpan {
    final GenAiToolCall call;
    final Context context;
    final Scope scope;
    final AtomicReference<Throwable> thrown;
    final boolean captureContent;

    ToolSpan(
        GenAiToolCall call,
        Context context,
        Scope scope,
        AtomicReference<Throwable> thrown,
        boolean captureContent) {
      this.call = call;
      this.context = context;
      this.scope = scope;
      this.thrown = thrown;
      this.captureContent = captureContent;
    }
  }
}
