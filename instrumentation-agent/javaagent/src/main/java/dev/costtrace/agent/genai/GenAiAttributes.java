package dev.costtrace.agent.genai;

import io.opentelemetry.api.common.AttributeKey;
import java.util.List;

/**
 * Span attribute keys of the OpenTelemetry GenAI semantic conventions as of semconv 1.37, plus the
 * few CostTrace needs that semconv has no name for (documented per key). Token semantics follow
 * semconv: {@link #USAGE_INPUT_TOKENS} includes cached input (read and written), {@link
 * #USAGE_OUTPUT_TOKENS} includes reasoning — the receiver's {@code SpanNormalizer} reads them so.
 */
public final class GenAiAttributes {
  private GenAiAttributes() {}

  public static final AttributeKey<String> PROVIDER_NAME =
      AttributeKey.stringKey("gen_ai.provider.name");
  public static final AttributeKey<String> OPERATION_NAME =
      AttributeKey.stringKey("gen_ai.operation.name");
  public static final AttributeKey<String> REQUEST_MODEL =
      AttributeKey.stringKey("gen_ai.request.model");
  public static final AttributeKey<Long> REQUEST_MAX_TOKENS =
      AttributeKey.longKey("gen_ai.request.max_tokens");

  /** semconv 1.41 {@code gen_ai.request.stream}: written (true) only for streamed requests. */
  public static final AttributeKey<Boolean> REQUEST_STREAM =
      AttributeKey.booleanKey("gen_ai.request.stream");

  public static final AttributeKey<String> RESPONSE_MODEL =
      AttributeKey.stringKey("gen_ai.response.model");
  public static final AttributeKey<String> RESPONSE_ID =
      AttributeKey.stringKey("gen_ai.response.id");
  public static final AttributeKey<List<String>> RESPONSE_FINISH_REASONS =
      AttributeKey.stringArrayKey("gen_ai.response.finish_reasons");

  /** All input tokens, cached ones (read and written) included. */
  public static final AttributeKey<Long> USAGE_INPUT_TOKENS =
      AttributeKey.longKey("gen_ai.usage.input_tokens");

  /** All output tokens, reasoning included. */
  public static final AttributeKey<Long> USAGE_OUTPUT_TOKENS =
      AttributeKey.longKey("gen_ai.usage.output_tokens");

  public static final AttributeKey<Long> USAGE_CACHE_READ_INPUT_TOKENS =
      AttributeKey.longKey("gen_ai.usage.cache_read.input_tokens");

  /** All input tokens written to the cache, whatever their lifetime. */
  public static final AttributeKey<Long> USAGE_CACHE_CREATION_INPUT_TOKENS =
      AttributeKey.longKey("gen_ai.usage.cache_creation.input_tokens");

  /**
   * Not semconv: cache writes with Anthropic's 5-minute lifetime, the name span-pricing's {@code
   * SpanNormalizer} prices at the 5-minute write rate.
   */
  public static final AttributeKey<Long> USAGE_CACHE_CREATION_5M_INPUT_TOKENS =
      AttributeKey.longKey("gen_ai.usage.cache_creation.ephemeral_5m_input_tokens");

  /** Not semconv: cache writes with a 1-hour lifetime, priced at the 1-hour write rate. */
  public static final AttributeKey<Long> USAGE_CACHE_CREATION_1H_INPUT_TOKENS =
      AttributeKey.longKey("gen_ai.usage.cache_creation.ephemeral_1h_input_tokens");

  public static final AttributeKey<Long> USAGE_REASONING_OUTPUT_TOKENS =
      AttributeKey.longKey("gen_ai.usage.reasoning.output_tokens");
  public static final AttributeKey<String> CONVERSATION_ID =
      AttributeKey.stringKey("gen_ai.conversation.id");

  /** semconv {@code openai.request.service_tier}. */
  public static final AttributeKey<String> OPENAI_REQUEST_SERVICE_TIER =
      AttributeKey.stringKey("openai.request.service_tier");

  /** semconv {@code openai.response.service_tier}. */
  public static final AttributeKey<String> OPENAI_RESPONSE_SERVICE_TIER =
      AttributeKey.stringKey("openai.response.service_tier");

  /** semconv 1.40 {@code openai.api.type}: {@code chat_completions} or {@code responses}. */
  public static final AttributeKey<String> OPENAI_API_TYPE =
      AttributeKey.stringKey("openai.api.type");

  /** Not semconv (none exists for Anthropic); read by span-pricing's {@code SpanNormalizer}. */
  public static final AttributeKey<String> ANTHROPIC_RESPONSE_SERVICE_TIER =
      AttributeKey.stringKey("anthropic.response.service_tier");

  /**
   * Not semconv (semconv has only the {@code gen_ai.server.time_to_first_token} metric):
   * nanoseconds from the request to the first streamed chunk, the sink's {@code
   * time_to_first_token_ns}.
   */
  public static final AttributeKey<Long> TIME_TO_FIRST_TOKEN_NS =
      AttributeKey.longKey("costtrace.gen_ai.time_to_first_token_ns");

  public static final AttributeKey<String> SERVER_ADDRESS =
      AttributeKey.stringKey("server.address");
  public static final AttributeKey<Long> SERVER_PORT = AttributeKey.longKey("server.port");
  public static final AttributeKey<String> ERROR_TYPE = AttributeKey.stringKey("error.type");

  /** Tool execution ({@code execute_tool} spans): semconv names, what span-pricing prices by. */
  public static final AttributeKey<String> TOOL_NAME = AttributeKey.stringKey("gen_ai.tool.name");

  public static final AttributeKey<String> TOOL_CALL_ID =
      AttributeKey.stringKey("gen_ai.tool.call.id");

  /** {@code function}, {@code extension} or {@code datastore}. */
  public static final AttributeKey<String> TOOL_TYPE = AttributeKey.stringKey("gen_ai.tool.type");

  /** Content: written only when content capture is on. */
  public static final AttributeKey<String> TOOL_CALL_ARGUMENTS =
      AttributeKey.stringKey("gen_ai.tool.call.arguments");

  /** Content: written only when content capture is on. */
  public static final AttributeKey<String> TOOL_CALL_RESULT =
      AttributeKey.stringKey("gen_ai.tool.call.result");

  /** {@code gen_ai.provider.name} values used by the extension. */
  public static final String PROVIDER_OPENAI = "openai";

  public static final String PROVIDER_ANTHROPIC = "anthropic";

  public static final String PROVIDER_AWS_BEDROCK = "aws.bedrock";

  /** {@code gen_ai.operation.name} values used by the extension. */
  public static final String OPERATION_CHAT = "chat";

  public static final String OPERATION_EMBEDDINGS = "embeddings";

  public static final String OPERATION_EXECUTE_TOOL = "execute_tool";
}
