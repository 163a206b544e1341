-- Back to the schema of 0005: the tables and views of 0001-0005 again (their definitions as they
-- were), the data copied back (spans without the tenant key, one attribution row per trace as
-- resolved, trace_costs summed again from the spans), and the tables of 0006 dropped.
DROP VIEW IF EXISTS {db}.llm_calls {on_cluster} SYNC;
DROP VIEW IF EXISTS {db}.conversation_costs {on_cluster} SYNC;
DROP VIEW IF EXISTS {db}.trace_costs {on_cluster} SYNC;
DROP VIEW IF EXISTS {db}.trace_rollup {on_cluster} SYNC;
DROP VIEW IF EXISTS {db}.spans {on_cluster} SYNC;

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

INSERT INTO {db}.spans SELECT trace_id, span_id, parent_span_id, start_time, end_time, duration_ns,
    service_name, conversation_id, tenant_id, user_id, feature, tags, provider, request_model,
    response_model, operation, tool_name, span_status, error_type, input_tokens, cache_read_tokens,
    cache_write_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens,
    audio_output_tokens, input_cost, cache_read_cost, cache_write_cost, output_cost, reasoning_cost,
    audio_cost, request_cost, tool_cost, total_cost, provided_cost, pricing_status, pricing_reason,
    catalog_version, price_entry, time_to_first_token_ns, row_version
FROM {db}.span_rows FINAL
{sync_insert};

CREATE TABLE IF NOT EXISTS {db}.trace_attributions{local} {on_cluster}
(
    trace_id        String CODEC(ZSTD(1)),
    conversation_id String CODEC(ZSTD(1)),
    tenant_id       LowCardinality(String),
    user_id         String CODEC(ZSTD(1)),
    feature         LowCardinality(String),
    tags            Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    observed_at     DateTime64(9, 'UTC') CODEC(Delta, ZSTD(1)),
    version         UInt64,
    INDEX idx_conversation_id conversation_id TYPE bloom_filter(0.01) GRANULARITY 4
)
ENGINE = {engine:ReplacingMergeTree(version)}
PARTITION BY toDate(observed_at)
ORDER BY trace_id
{ttl:observed_at}
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000;

/* cluster-only */
CREATE TABLE IF NOT EXISTS {db}.trace_attributions {on_cluster} AS {db}.trace_attributions_local
ENGINE = Distributed({cluster}, {db}, trace_attributions_local, cityHash64(trace_id));

INSERT INTO {db}.trace_attributions
SELECT trace_id, conversation_id, tenant_id, user_id, feature, map(), now64(9), 1
FROM {db}.trace_rollups FINAL
WHERE conversation_id != '' OR tenant_id != '' OR user_id != '' OR feature != ''
{sync_insert};

CREATE TABLE IF NOT EXISTS {db}.trace_costs{local} {on_cluster}
(
    trace_id           String CODEC(ZSTD(1)),
    start_time         SimpleAggregateFunction(min, DateTime64(9, 'UTC')),
    end_time           SimpleAggregateFunction(max, DateTime64(9, 'UTC')),
    service_name       SimpleAggregateFunction(any, LowCardinality(String)),
    total_cost         SimpleAggregateFunction(sum, Decimal(38, 12)),
    input_tokens       SimpleAggregateFunction(sum, UInt64),
    cache_read_tokens  SimpleAggregateFunction(sum, UInt64),
    cache_write_tokens SimpleAggregateFunction(sum, UInt64),
    output_tokens      SimpleAggregateFunction(sum, UInt64),
    reasoning_tokens   SimpleAggregateFunction(sum, UInt64),
    llm_calls          SimpleAggregateFunction(sum, UInt64),
    tool_calls         SimpleAggregateFunction(sum, UInt64),
    unpriced_calls     SimpleAggregateFunction(sum, UInt64),
    model_costs        SimpleAggregateFunction(sumMap, Map(String, Decimal(38, 12))),
    conversation_id    AggregateFunction(argMax, String, UInt64),
    tenant_id          AggregateFunction(argMax, String, UInt64),
    user_id            AggregateFunction(argMax, String, UInt64),
    feature            AggregateFunction(argMax, String, UInt64)
)
ENGINE = {engine:AggregatingMergeTree}
PARTITION BY toDate(start_time)
ORDER BY trace_id
{ttl:start_time}
SETTINGS ttl_only_drop_parts = 1;

CREATE MATERIALIZED VIEW IF NOT EXISTS {db}.trace_costs_mv{local} {on_cluster}
TO {db}.trace_costs{local} AS
SELECT
    s.trace_id AS trace_id,
    min(s.start_time) AS start_time,
    max(s.end_time) AS end_time,
    any(s.service_name) AS service_name,
    sum(s.total_cost) AS total_cost,
    sum(s.input_tokens + s.cache_read_tokens + s.cache_write_tokens + s.audio_input_tokens) AS input_tokens,
    sum(s.cache_read_tokens) AS cache_read_tokens,
    sum(s.cache_write_tokens) AS cache_write_tokens,
    sum(s.output_tokens + s.reasoning_tokens + s.audio_output_tokens) AS output_tokens,
    sum(s.reasoning_tokens) AS reasoning_tokens,
    countIf(s.operation != 'execute_tool') AS llm_calls,
    countIf(s.operation = 'execute_tool') AS tool_calls,
    countIf(s.pricing_status NOT IN ('PRICED')) AS unpriced_calls,
    sumMap(map(if(s.operation = 'execute_tool', concat('tool:', s.tool_name),
                  if(s.response_model != '', s.response_model, s.request_model)), s.total_cost)) AS model_costs,
    argMaxStateIf(s.conversation_id, s.attribution_version, s.conversation_id != '') AS conversation_id,
    argMaxStateIf(s.tenant_id, s.attribution_version, s.tenant_id != '') AS tenant_id,
    argMaxStateIf(s.user_id, s.attribution_version, s.user_id != '') AS user_id,
    argMaxStateIf(s.feature, s.attribution_version, s.feature != '') AS feature
FROM {db}.spans{local} AS s
GROUP BY s.trace_id;

/* cluster-only */
CREATE TABLE IF NOT EXISTS {db}.trace_costs {on_cluster} AS {db}.trace_costs_local
ENGINE = Distributed({cluster}, {db}, trace_costs_local, cityHash64(trace_id));

INSERT INTO {db}.trace_costs
SELECT s.trace_id, min(s.start_time), max(s.end_time), any(s.service_name), sum(s.total_cost),
    sum(s.input_tokens + s.cache_read_tokens + s.cache_write_tokens + s.audio_input_tokens),
    sum(s.cache_read_tokens), sum(s.cache_write_tokens),
    sum(s.output_tokens + s.reasoning_tokens + s.audio_output_tokens), sum(s.reasoning_tokens),
    countIf(s.operation != 'execute_tool'), countIf(s.operation = 'execute_tool'),
    countIf(s.pricing_status NOT IN ('PRICED')),
    sumMap(map(if(s.operation = 'execute_tool', concat('tool:', s.tool_name),
        if(s.response_model != '', s.response_model, s.request_model)), s.total_cost)),
    argMaxStateIf(s.conversation_id, s.attribution_version, s.conversation_id != ''),
    argMaxStateIf(s.tenant_id, s.attribution_version, s.tenant_id != ''),
    argMaxStateIf(s.user_id, s.attribution_version, s.user_id != ''),
    argMaxStateIf(s.feature, s.attribution_version, s.feature != '')
FROM {db}.spans AS s
GROUP BY s.trace_id
{sync_insert};

CREATE VIEW IF NOT EXISTS {db}.trace_rollup {on_cluster} AS
SELECT
    t.trace_id AS trace_id,
    if(a.conversation_id != '', a.conversation_id, t.span_conversation_id) AS conversation_id,
    if(a.tenant_id != '', a.tenant_id, t.span_tenant_id) AS tenant_id,
    if(a.user_id != '', a.user_id, t.span_user_id) AS user_id,
    if(a.feature != '', a.feature, t.span_feature) AS feature,
    t.service_name AS service_name,
    t.start_time AS start_time,
    t.end_time AS end_time,
    t.total_cost AS total_cost,
    t.input_tokens AS input_tokens,
    t.cache_read_tokens AS cache_read_tokens,
    t.cache_write_tokens AS cache_write_tokens,
    t.output_tokens AS output_tokens,
    t.reasoning_tokens AS reasoning_tokens,
    t.llm_calls AS llm_calls,
    t.tool_calls AS tool_calls,
    t.unpriced_calls AS unpriced_calls,
    t.model_costs AS model_costs
FROM
(
    SELECT
        trace_id,
        min(start_time) AS start_time,
        max(end_time) AS end_time,
        any(service_name) AS service_name,
        sum(total_cost) AS total_cost,
        sum(input_tokens) AS input_tokens,
        sum(cache_read_tokens) AS cache_read_tokens,
        sum(cache_write_tokens) AS cache_write_tokens,
        sum(output_tokens) AS output_tokens,
        sum(reasoning_tokens) AS reasoning_tokens,
        sum(llm_calls) AS llm_calls,
        sum(tool_calls) AS tool_calls,
        sum(unpriced_calls) AS unpriced_calls,
        sumMap(model_costs) AS model_costs,
        argMaxMerge(conversation_id) AS span_conversation_id,
        argMaxMerge(tenant_id) AS span_tenant_id,
        argMaxMerge(user_id) AS span_user_id,
        argMaxMerge(feature) AS span_feature
    FROM {db}.trace_costs
    GROUP BY trace_id
) AS t
LEFT JOIN
(
    SELECT
        trace_id,
        argMax(conversation_id, version) AS conversation_id,
        argMax(tenant_id, version) AS tenant_id,
        argMax(user_id, version) AS user_id,
        argMax(feature, version) AS feature
    FROM {db}.trace_attributions
    GROUP BY trace_id
) AS a ON t.trace_id = a.trace_id;

CREATE VIEW IF NOT EXISTS {db}.conversation_costs {on_cluster} AS
SELECT
    conversation_id,
    anyLast(tenant_id) AS tenant_id,
    anyLast(user_id) AS user_id,
    anyLast(feature) AS feature,
    count() AS turns,
    sum(total_cost) AS total_cost,
    sum(input_tokens) AS input_tokens,
    sum(output_tokens) AS output_tokens,
    sum(cache_read_tokens) AS cache_read_tokens,
    sum(reasoning_tokens) AS reasoning_tokens,
    sum(llm_calls) AS llm_calls,
    sum(tool_calls) AS tool_calls,
    sumMap(model_costs) AS model_costs,
    min(start_time) AS first_seen,
    max(end_time) AS last_seen
FROM {db}.trace_rollup
WHERE conversation_id != ''
GROUP BY conversation_id;

CREATE VIEW IF NOT EXISTS {db}.llm_calls {on_cluster} AS
SELECT
    s.trace_id AS trace_id,
    s.span_id AS span_id,
    s.start_time AS start_time,
    s.end_time AS end_time,
    s.duration_ns AS duration_ns,
    s.service_name AS service_name,
    if(r.conversation_id != '', r.conversation_id, s.conversation_id) AS conversation_id,
    if(r.tenant_id != '', r.tenant_id, s.tenant_id) AS tenant_id,
    if(r.user_id != '', r.user_id, s.user_id) AS user_id,
    if(r.feature != '', r.feature, s.feature) AS feature,
    s.provider AS provider,
    if(s.operation = 'execute_tool', concat('tool:', s.tool_name),
       if(s.response_model != '', s.response_model, s.request_model)) AS model,
    s.operation AS operation,
    s.tool_name AS tool_name,
    s.span_status AS span_status,
    s.error_type AS error_type,
    s.input_tokens + s.cache_read_tokens + s.cache_write_tokens + s.audio_input_tokens AS input_tokens,
    s.cache_read_tokens AS cache_read_tokens,
    s.cache_write_tokens AS cache_write_tokens,
    s.output_tokens + s.reasoning_tokens + s.audio_output_tokens AS output_tokens,
    s.reasoning_tokens AS reasoning_tokens,
    s.total_cost AS total_cost,
    s.pricing_status AS pricing_status,
    s.pricing_reason AS pricing_reason,
    s.time_to_first_token_ns AS time_to_first_token_ns
FROM {db}.spans AS s
LEFT JOIN
(
    SELECT trace_id, conversation_id, tenant_id, user_id, feature
    FROM {db}.trace_rollup
) AS r ON s.trace_id = r.trace_id;

DROP TABLE IF EXISTS {db}.conversation_rollups {on_cluster} SYNC;
/* cluster-only */
DROP TABLE IF EXISTS {db}.conversation_rollups_local {on_cluster} SYNC;
DROP TABLE IF EXISTS {db}.trace_rollups {on_cluster} SYNC;
/* cluster-only */
DROP TABLE IF EXISTS {db}.trace_rollups_local {on_cluster} SYNC;
DROP TABLE IF EXISTS {db}.span_attributions {on_cluster} SYNC;
/* cluster-only */
DROP TABLE IF EXISTS {db}.span_attributions_local {on_cluster} SYNC;
DROP TABLE IF EXISTS {db}.span_rows {on_cluster} SYNC;
/* cluster-only */
DROP TABLE IF EXISTS {db}.span_rows_local {on_cluster} SYNC;
