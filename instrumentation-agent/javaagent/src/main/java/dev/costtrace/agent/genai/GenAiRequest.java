package dev.costtrace.agent.genai;

import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * What is known about an LLM call before it is sent: provider, operation, requested model, and the
 * request-side fields CostTrace prices or attributes by. Immutable; build with {@link #builder}.
 */
public final class GenAiRequest {
  private final String provider;
  private final String operation;
  private final String requestModel;
  private final Long maxTokens;
  private final String conversationId;
  private final String serviceTier;
  private final boolean streaming;
  private final String serverAddress;
  private final Long serverPort;
  private final Supplier<? extends CharSequence> inputText;
  private final Predicate<String> downgradable;

  private GenAiRequest(Builder b) {
    this.provider = b.provider;
    this.operation = b.operation;
    this.requestModel = b.requestModel;
    this.maxTokens = b.maxTokens;
    this.conversationId = b.conversationId;
    this.serviceTier = b.serviceTier;
    this.streaming = b.streaming;
    this.serverAddress = b.serverAddress;
    this.serverPort = b.serverPort;
    this.inputText = b.inputText;
    this.downgradable = b.downgradable;
  }

  /**
   * @param provider {@code gen_ai.provider.name}, e.g. {@link GenAiAttributes#PROVIDER_ANTHROPIC}
   * @param operation {@code gen_ai.operation.name}, e.g. {@link GenAiAttributes#OPERATION_CHAT}
   */
  public static Builder builder(String provider, String operation) {
    return new Builder(provider, operation);
  }

  public String provider() {
    return provider;
  }

  public String operation() {
    return operation;
  }

  public String requestModel() {
    return requestModel;
  }

  public Long maxTokens() {
    return maxTokens;
  }

  /**
   * A conversation ID from the request itself (Responses API {@code conversation}, chat {@code
   * metadata}); the lowest precedence — app baggage and an inbound header written by the
   * attribution span processor win over it.
   */
  public String conversationId() {
    return conversationId;
  }

  /** The requested service tier ({@code auto}, {@code flex}, {@code priority}...). */
  public String serviceTier() {
    return serviceTier;
  }

  public boolean streaming() {
    return streaming;
  }

  public String serverAddress() {
    return serverAddress;
  }

  public Long serverPort() {
    return serverPort;
  }

  /**
   * The request's input as the model reads it (message text, system prompt, tool definitions), for
   * the budget estimate; computed only when a budget rule needs it, null when unknown. Never put on
   * a span: prompt text is not recorded unless content capture is on.
   */
  public Supplier<? extends CharSequence> inputText() {
    return inputText;
  }

  /**
   * Which models the instrumentation can send this call with if the budget downgrades it; null: any
   * (the request's model can be replaced). A downgrade it cannot take is a block.
   */
  public Predicate<String> downgradable() {
    return downgradable;
  }

  /** Optional fields default to absent; provider and operation are required. */
  public static final class Builder {
    private final String provider;
    private final String operation;
    private String requestModel;
    private Long maxTokens;
    private String conversationId;
    private String serviceTier;
    private boolean streaming;
    private String serverAddress;
    private Long serverPort;
    private Supplier<? extends CharSequence> inputText;
    private Predicate<String> downgradable;

    private Builder(String provider, String operation) {
      this.provider = requireNonBlank(provider, "provider");
      this.operation = requireNonBlank(operation, "operation");
    }

    private static String requireNonBlank(String v, String name) {
      if (v == null || v.trim().isEmpty()) {
        throw new IllegalArgumentException(name + " must not be blank");
      }
      return v;
    }

    public Builder requestModel(String v) {
      this.requestModel = v;
      return this;
    }

    public Builder maxTokens(Long v) {
      this.maxTokens = v;
      return this;
    }

    public Builder conversationId(String v) {
      this.conversationId = v;
      return this;
    }

    public Builder serviceTier(String v) {
      this.serviceTier = v;
      return this;
    }

    public Builder streaming(boolean v) {
      this.streaming = v;
      return this;
    }

    public Builder serverAddress(String v) {
      this.serverAddress = v;
      return this;
    }

    public Builder serverPort(Long v) {
      this.serverPort = v;
      return this;
    }

    /** Computed lazily, only when budgets are on (see {@link GenAiRequest#inputText()}). */
    public Builder inputText(Supplier<? extends CharSequence> v) {
      this.inputText = v;
      return this;
    }

    /** See {@link GenAiRequest#downgradable()}. */
    public Builder downgradable(Predicate<String> v) {
      this.downgradable = v;
      return this;
    }

    /** The request's model cannot be replaced: a downgrade is a block. */
    public Builder notDowngradable() {
      return downgradable(m -> false);
    }

    /**
     * {@code server.address} and {@code server.port} from a client's base URL (the scheme's default
     * port when the URL names none); a null or unparsable URL, or one without a host, sets nothing.
     */
    public Builder server(String baseUrl) {
      if (baseUrl == null) {
        return this;
      }
      try {
        java.net.URI uri = java.net.URI.create(baseUrl.trim());
        if (uri.getHost() == null) {
          return this;
        }
        this.serverAddress = uri.getHost();
        int port = uri.getPort();
        this.serverPort =
            port > 0 ? (long) port : "http".equalsIgnoreCase(uri.getScheme()) ? 80L : 443L;
      } catch (IllegalArgumentException e) {
        // not a URL: no server attributes
      }
      return this;
    }

    public GenAiRequest build() {
      return new GenAiRequest(this);
    }
  }
}
