-- Query-time resolution of late attribution: a trace belongs to the conversation of its newest
-- trace_attributions row, else to the conversation its own spans carried.
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
