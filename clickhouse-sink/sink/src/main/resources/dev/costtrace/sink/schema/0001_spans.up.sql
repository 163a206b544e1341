-- One row per priced LLM or tool span. Spans are immutable: the writer inserts each
-- (trace_id, span_id) once; ReplacingMergeTree is the backstop for races between writers.
CREATE TABLE IF NOT EXISTS {db}.spans{local} {on_cluster}
(
    trace_id               String CODEC(ZSTD(1)),
    span_id                String CODEC(ZSTD(1)),
    parent_span_id         String CODEC(ZSTD(1)),
    start_time             DateTime64(9, 'UTC') CODEC(Delta, ZSTD(1)),
    end_time               DateTime64(9, 'UTC') CODEC(Delta, ZSTD(1)),
    duration_ns            Int64 CODEC(T64, ZSTD(1)),
    service_name           LowCardinality(String),
    conversation_id        String CODEC(ZSTD(1)),
    tenant_id              LowCardinality(String),
    user_id                String CODEC(ZSTD(1)),
    feature                LowCardinality(String),
    tags                   Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    provider               LowCardinality(String),
    request_model          LowCardinality(String),
    response_model         LowCardinality(String),
    operation              LowCardinality(String),
    tool_name              LowCardinality(String),
    span_status            LowCardinality(String),
    error_type             LowCardinality(String),
    input_tokens           UInt64 CODEC(T64, ZSTD(1)),
    cache_read_tokens      UInt64 CODEC(T64, ZSTD(1)),
    cache_write_tokens     UInt64 CODEC(T64, ZSTD(1)),
    cache_write_1h_tokens  UInt64 CODEC(T64, ZSTD(1)),
    output_tokens          UInt64 CODEC(T64, ZSTD(1)),
    reasoning_tokens       UInt64 CODEC(T64, ZSTD(1)),
    audio_input_tokens     UInt64 CODEC(T64, ZSTD(1)),
    audio_output_tokens    UInt64 CODEC(T64, ZSTD(1)),
    input_cost             Decimal(38, 12),
    cache_read_cost        Decimal(38, 12),
    cache_write_cost       Decimal(38, 12),
    output_cost            Decimal(38, 12),
    reasoning_cost         Decimal(38, 12),
    audio_cost             Decimal(38, 12),
    request_cost           Decimal(38, 12),
    tool_cost              Decimal(38, 12),
    total_cost             Decimal(38, 12),
    provided_cost          Nullable(Decimal(38, 12)),
    pricing_status         LowCardinality(String),
    pricing_reason         String CODEC(ZSTD(3)),
    catalog_version        LowCardinality(String),
    price_entry            LowCardinality(String),
    time_to_first_token_ns Int64,
    attribution_version    UInt64,
    INDEX idx_trace_id trace_id TYPE bloom_filter(0.01) GRANULARITY 4,
    INDEX idx_conversation_id conversation_id TYPE bloom_filter(0.01) GRANULARITY 4,
    CONSTRAINT costs_not_negative CHECK total_cost >= 0
)
ENGINE = {engine:ReplacingMergeTree(attribution_version)}
PARTITION BY toDate(start_time)
ORDER BY (trace_id, span_id)
{ttl:start_time}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000;

/* cluster-only */
CREATE TABLE IF NOT EXISTS {db}.spans {on_cluster} AS {db}.spans_local
ENGINE = Distributed({cluster}, {db}, spans_local, cityHash64(trace_id));
