-- Exact rollups (issue 12). Spans move to span_rows, keyed by tenant key and time and versioned;
-- what every span said about its trace's attribution goes to span_attributions; the per-trace and
-- per-conversation rollups become keyed, versioned tables that the writer recomputes from those
-- two for every trace a batch touches (the materialized view that summed every insert is gone).
-- The names readers use stay: spans, trace_costs, trace_rollup, conversation_costs, llm_calls are
-- views now. Existing data is copied; the rollups are computed from it. Every step can run again
-- after a failure part-way (a second copy of a row is collapsed by its key).

-- One row per version of a priced LLM or tool span. Key: (auth_tenant, trace_id, span_id); the
-- highest row_version wins (FINAL). Sorted by ten-minute bucket first, so that the writer's
-- recomputation of recent traces reads recent granules only; the set index finds a trace's
-- granules within them.
CREATE TABLE IF NOT EXISTS {db}.span_rows{local} {on_cluster}
(
    trace_id               String CODEC(ZSTD(1)),
    span_id                String CODEC(ZSTD(1)),
    auth_tenant            LowCardinality(String),
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
    row_version            UInt64,
    INDEX idx_trace_id trace_id TYPE set(0) GRANULARITY 1,
    INDEX idx_conversation_id conversation_id TYPE bloom_filter(0.01) GRANULARITY 4,
    CONSTRAINT costs_not_negative CHECK total_cost >= 0
)
ENGINE = {engine:ReplacingMergeTree(row_version)}
PARTITION BY toDate(start_time)
ORDER BY (toStartOfTenMinutes(start_time), auth_tenant, trace_id, span_id)
{ttl:start_time}
SETTINGS index_granularity = 8192, ttl_only_drop_parts = 1;

/* cluster-only */
CREATE TABLE IF NOT EXISTS {db}.span_rows {on_cluster} AS {db}.span_rows_local
ENGINE = Distributed({cluster}, {db}, span_rows_local, cityHash64(trace_id));

-- What each span said about its trace's attribution (only spans that said something). Same span,
-- same observation: a second copy is harmless to the resolution and collapses on merge. Looked up
-- by trace: a batch's traces are random IDs, so the set index (exact per granule) does the work.
CREATE TABLE IF NOT EXISTS {db}.span_attributions{local} {on_cluster}
(
    auth_tenant     LowCardinality(String),
    trace_id        String CODEC(ZSTD(1)),
    span_id         String CODEC(ZSTD(1)),
    start_time      DateTime64(9, 'UTC') CODEC(Delta, ZSTD(1)),
    conversation_id String CODEC(ZSTD(1)),
    tenant_id       LowCardinality(String),
    user_id         String CODEC(ZSTD(1)),
    feature         LowCardinality(String),
    tags            Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    observed_at     DateTime64(9, 'UTC') CODEC(Delta, ZSTD(1)),
    INDEX idx_trace_id trace_id TYPE set(0) GRANULARITY 1,
    INDEX idx_conversation_id conversation_id TYPE bloom_filter(0.01) GRANULARITY 1
)
ENGINE = {engine:ReplacingMergeTree}
PARTITION BY toYYYYMM(start_time)
ORDER BY (auth_tenant, trace_id, span_id)
{ttl:start_time}
SETTINGS index_granularity = 1024, ttl_only_drop_parts = 1;

/* cluster-only */
CREATE TABLE IF NOT EXISTS {db}.span_attributions {on_cluster} AS {db}.span_attributions_local
ENGINE = Distributed({cluster}, {db}, span_attributions_local, cityHash64(trace_id));

-- Per trace: its rollup as of its newest version (FINAL), written by the writer's recomputation.
-- Not partitioned by time: a trace's start moves earlier when an earlier span comes late.
CREATE TABLE IF NOT EXISTS {db}.trace_rollups{local} {on_cluster}
(
    auth_tenant        LowCardinality(String),
    trace_id           String CODEC(ZSTD(1)),
    conversation_id    String CODEC(ZSTD(1)),
    tenant_id          LowCardinality(String),
    user_id            String CODEC(ZSTD(1)),
    feature            LowCardinality(String),
    service_name       LowCardinality(String),
    start_time         DateTime64(9, 'UTC'),
    end_time           DateTime64(9, 'UTC'),
    total_cost         Decimal(38, 12),
    input_tokens       UInt64,
    cache_read_tokens  UInt64,
    cache_write_tokens UInt64,
    output_tokens      UInt64,
    reasoning_tokens   UInt64,
    llm_calls          UInt64,
    tool_calls         UInt64,
    unpriced_calls     UInt64,
    model_costs        Map(String, Decimal(38, 12)),
    version            UInt64,
    INDEX idx_trace_id trace_id TYPE set(0) GRANULARITY 1,
    INDEX idx_conversation_id conversation_id TYPE set(0) GRANULARITY 1,
    INDEX idx_start_time start_time TYPE minmax GRANULARITY 1
)
ENGINE = {engine:ReplacingMergeTree(version)}
ORDER BY (auth_tenant, trace_id)
{ttl:end_time}
SETTINGS index_granularity = 1024;

/* cluster-only */
CREATE TABLE IF NOT EXISTS {db}.trace_rollups {on_cluster} AS {db}.trace_rollups_local
ENGINE = Distributed({cluster}, {db}, trace_rollups_local, cityHash64(trace_id));

-- Per conversation: the sum of its traces' rollups as of its newest version; a conversation that
-- lost its last trace (late attribution moved it) is marked deleted.
CREATE TABLE IF NOT EXISTS {db}.conversation_rollups{local} {on_cluster}
(
    auth_tenant        LowCardinality(String),
    conversation_id    String CODEC(ZSTD(1)),
    tenant_id          LowCardinality(String),
    user_id            String CODEC(ZSTD(1)),
    feature            LowCardinality(String),
    turns              UInt64,
    total_cost         Decimal(38, 12),
    input_tokens       UInt64,
    output_tokens      UInt64,
    cache_read_tokens  UInt64,
    cache_write_tokens UInt64,
    reasoning_tokens   UInt64,
    llm_calls          UInt64,
    tool_calls         UInt64,
    unpriced_calls     UInt64,
    model_costs        Map(String, Decimal(38, 12)),
    first_seen         DateTime64(9, 'UTC'),
    last_seen          DateTime64(9, 'UTC'),
    version            UInt64,
    is_deleted         UInt8,
    INDEX idx_last_seen last_seen TYPE minmax GRANULARITY 1
)
ENGINE = {engine:ReplacingMergeTree(version, is_deleted)}
ORDER BY (auth_tenant, conversation_id)
{ttl:last_seen}
SETTINGS index_granularity = 1024;

/* cluster-only */
CREATE TABLE IF NOT EXISTS {db}.conversation_rollups {on_cluster} AS {db}.conversation_rollups_local
ENGINE = Distributed({cluster}, {db}, conversation_rollups_local, cityHash64(conversation_id));

-- The spans of 0001, copied: no tenant key (there was none), row version 0. (Run again after a
-- failure part-way, spans is the view below, or missing for a moment: then an empty stand-in.)
CREATE TABLE IF NOT EXISTS {db}.spans {on_cluster} AS {db}.span_rows{local} ENGINE = Memory;
INSERT INTO {db}.span_rows (trace_id, span_id, auth_tenant, parent_span_id, start_time, end_time,
    duration_ns, service_name, conversation_id, tenant_id, user_id, feature, tags, provider,
    request_model, response_model, operation, tool_name, span_status, error_type, input_tokens,
    cache_read_tokens, cache_write_tokens, cache_write_1h_tokens, output_tokens, reasoning_tokens,
    audio_input_tokens, audio_output_tokens, input_cost, cache_read_cost, cache_write_cost,
    output_cost, reasoning_cost, audio_cost, request_cost, tool_cost, total_cost, provided_cost,
    pricing_status, pricing_reason, catalog_version, price_entry, time_to_first_token_ns, row_version)
SELECT trace_id, span_id, '', parent_span_id, start_time, end_time, duration_ns, service_name,
    conversation_id, tenant_id, user_id, feature, tags, provider, request_model, response_model,
    operation, tool_name, span_status, error_type, input_tokens, cache_read_tokens, cache_write_tokens,
    cache_write_1h_tokens, output_tokens, reasoning_tokens, audio_input_tokens, audio_output_tokens,
    input_cost, cache_read_cost, cache_write_cost, output_cost, reasoning_cost, audio_cost,
    request_cost, tool_cost, total_cost, provided_cost, pricing_status, pricing_reason,
    catalog_version, price_entry, time_to_first_token_ns, 0
FROM {db}.spans
{sync_insert};

-- The attribution the old schema resolved per trace (its newest trace_attributions row, field by
-- field), as one observation without a span that starts with the trace's first stored span: it
-- comes first (an empty span ID sorts first), so it stays the answer. Then what the old span rows
-- carried, which decides for traces that had no such row.
CREATE TABLE IF NOT EXISTS {db}.trace_attributions {on_cluster}
(trace_id String, conversation_id String, tenant_id String, user_id String, feature String,
 observed_at DateTime64(9, 'UTC'), version UInt64) ENGINE = Memory;

INSERT INTO {db}.span_attributions
SELECT '', a.trace_id, '', if(s.first_start > 0, s.first_start, a.observed),
    a.conversation_id, a.tenant_id, a.user_id, a.feature, map(), a.observed
FROM
(
    SELECT trace_id,
        argMaxIf(conversation_id, (version, observed_at), conversation_id != '') AS conversation_id,
        argMaxIf(tenant_id, (version, observed_at), tenant_id != '') AS tenant_id,
        argMaxIf(user_id, (version, observed_at), user_id != '') AS user_id,
        argMaxIf(feature, (version, observed_at), feature != '') AS feature,
        min(observed_at) AS observed
    FROM {db}.trace_attributions
    GROUP BY trace_id
) AS a
LEFT JOIN
(
    SELECT trace_id, min(start_time) AS first_start FROM {db}.span_rows GROUP BY trace_id
) AS s ON a.trace_id = s.trace_id
{sync_insert};

INSERT INTO {db}.span_attributions
SELECT '', trace_id, span_id, start_time, conversation_id, tenant_id, user_id, feature, tags, now64(9)
FROM {db}.span_rows
WHERE auth_tenant = '' AND (conversation_id != '' OR tenant_id != '' OR user_id != '' OR feature != '')
{sync_insert};

DROP VIEW IF EXISTS {db}.llm_calls {on_cluster} SYNC;
DROP VIEW IF EXISTS {db}.conversation_costs {on_cluster} SYNC;
DROP VIEW IF EXISTS {db}.trace_rollup {on_cluster} SYNC;
DROP VIEW IF EXISTS {db}.trace_costs_mv{local} {on_cluster} SYNC;
DROP TABLE IF EXISTS {db}.trace_costs {on_cluster} SYNC;
/* cluster-only */
DROP TABLE IF EXISTS {db}.trace_costs_local {on_cluster} SYNC;
DROP TABLE IF EXISTS {db}.trace_attributions {on_cluster} SYNC;
/* cluster-only */
DROP TABLE IF EXISTS {db}.trace_attributions_local {on_cluster} SYNC;

-- The rollups of the copied data, by the same rules as rollup/trace_rollups.sql and
-- rollup/conversation_rollups.sql (frozen here as of this migration).
INSERT INTO {db}.trace_rollups
SELECT s.auth_tenant, s.trace_id, a.conversation_id, if(s.auth_tenant != '', s.auth_tenant, a.tenant_id),
    a.user_id, a.feature, s.service_name, s.first_start, s.last_end, s.cost, s.input, s.cache_read,
    s.cache_write, s.output, s.reasoning, s.llm, s.tools, s.unpriced, s.models,
    toUnixTimestamp64Nano(now64(9))
FROM
(
    SELECT x.auth_tenant AS auth_tenant, x.trace_id AS trace_id,
        argMin(x.service_name, (x.start_time, x.span_id)) AS service_name,
        min(x.start_time) AS first_start, max(x.end_time) AS last_end, sum(x.total_cost) AS cost,
        sum(x.input_tokens + x.cache_read_tokens + x.cache_write_tokens + x.audio_input_tokens) AS input,
        sum(x.cache_read_tokens) AS cache_read, sum(x.cache_write_tokens) AS cache_write,
        sum(x.output_tokens + x.reasoning_tokens + x.audio_output_tokens) AS output,
        sum(x.reasoning_tokens) AS reasoning,
        countIf(x.operation != 'execute_tool') AS llm, countIf(x.operation = 'execute_tool') AS tools,
        countIf(x.pricing_status != 'PRICED') AS unpriced,
        sumMap(map(if(x.operation = 'execute_tool', concat('tool:', x.tool_name),
            if(x.response_model != '', x.response_model, x.request_model)), x.total_cost)) AS models
    FROM {db}.span_rows AS x FINAL
    GROUP BY x.auth_tenant, x.trace_id
) AS s
LEFT JOIN
(
    SELECT o.auth_tenant AS auth_tenant, o.trace_id AS trace_id,
        argMinIf(o.conversation_id, (o.start_time, o.span_id), o.conversation_id != '') AS conversation_id,
        argMinIf(o.tenant_id, (o.start_time, o.span_id), o.tenant_id != '') AS tenant_id,
        argMinIf(o.user_id, (o.start_time, o.span_id), o.user_id != '') AS user_id,
        argMinIf(o.feature, (o.start_time, o.span_id), o.feature != '') AS feature
    FROM {db}.span_attributions AS o
    GROUP BY o.auth_tenant, o.trace_id
) AS a ON s.auth_tenant = a.auth_tenant AND s.trace_id = a.trace_id
{sync_insert};

INSERT INTO {db}.conversation_rollups
SELECT t.auth_tenant, t.conversation_id,
    argMinIf(t.tenant_id, (t.start_time, t.trace_id), t.tenant_id != ''),
    argMinIf(t.user_id, (t.start_time, t.trace_id), t.user_id != ''),
    argMinIf(t.feature, (t.start_time, t.trace_id), t.feature != ''),
    count(), sum(t.total_cost), sum(t.input_tokens), sum(t.output_tokens), sum(t.cache_read_tokens),
    sum(t.cache_write_tokens), sum(t.reasoning_tokens), sum(t.llm_calls), sum(t.tool_calls),
    sum(t.unpriced_calls), sumMap(t.model_costs), min(t.start_time), max(t.end_time),
    toUnixTimestamp64Nano(now64(9)), 0
FROM {db}.trace_rollups AS t FINAL
WHERE t.conversation_id != ''
GROUP BY t.auth_tenant, t.conversation_id
{sync_insert};

-- What readers read: the same names and columns as before (plus the tenant key), deduplicated.
DROP TABLE IF EXISTS {db}.spans {on_cluster} SYNC;
/* cluster-only */
DROP TABLE IF EXISTS {db}.spans_local {on_cluster} SYNC;

CREATE VIEW IF NOT EXISTS {db}.spans {on_cluster} AS
SELECT *, row_version AS attribution_version
FROM {db}.span_rows FINAL;

CREATE VIEW IF NOT EXISTS {db}.trace_rollup {on_cluster} AS
SELECT trace_id, conversation_id, tenant_id, user_id, feature, service_name, start_time, end_time,
    total_cost, input_tokens, cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens,
    llm_calls, tool_calls, unpriced_calls, model_costs, auth_tenant
FROM {db}.trace_rollups FINAL;

CREATE VIEW IF NOT EXISTS {db}.trace_costs {on_cluster} AS
SELECT * FROM {db}.trace_rollup;

CREATE VIEW IF NOT EXISTS {db}.conversation_costs {on_cluster} AS
SELECT conversation_id, tenant_id, user_id, feature, turns, total_cost, input_tokens, output_tokens,
    cache_read_tokens, reasoning_tokens, llm_calls, tool_calls, model_costs, first_seen, last_seen,
    cache_write_tokens, unpriced_calls, auth_tenant
FROM {db}.conversation_rollups FINAL;

-- Every LLM and tool call with its trace's resolved attribution (what the span carried until its
-- trace's rollup is written).
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
    s.time_to_first_token_ns AS time_to_first_token_ns,
    s.auth_tenant AS auth_tenant
FROM {db}.span_rows AS s FINAL
LEFT JOIN
(
    SELECT auth_tenant, trace_id, conversation_id, tenant_id, user_id, feature
    FROM {db}.trace_rollups FINAL
) AS r ON s.auth_tenant = r.auth_tenant AND s.trace_id = r.trace_id;
