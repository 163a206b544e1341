-- Per-trace rollup, maintained on insert by a materialized view. Exact because the writer inserts
-- each span once (existence check + insert deduplication token per batch). Several rows may exist
-- per trace until merges: always GROUP BY trace_id.
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
