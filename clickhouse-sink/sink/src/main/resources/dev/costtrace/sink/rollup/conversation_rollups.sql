-- The rollup of each selected conversation as a function of its traces' newest rollups: its turns
-- (traces), their sums, first and last seen; tenant, user and feature from the earliest-starting
-- trace that has one (ties: the lowest trace ID). A selected conversation with no trace left (late
-- attribution moved its last one) comes out with is_deleted = 1, but only while a live row of it
-- exists, so that conversations which never had a trace are not written at all; that is checked
-- for the conversations of {may_be_empty} only (a conversation can lose its last trace only to a
-- trace observed with another conversation too: the writer names those, a repair all). trace_ids:
-- its 1,000 lowest trace IDs, sorted (all of them when turns is at most 1,000); services: its
-- traces' services, sorted. Columns in the order of conversation_rollups. Slots: {conversations}
-- and {may_be_empty}, queries of (auth_tenant, conversation_id); {traces}, the newest rollup of
-- each trace that names one of {conversations} (conversation_traces.sql, or
-- conversation_traces_final.sql by definition).
SELECT
    c.auth_tenant AS auth_tenant,
    c.conversation_id AS conversation_id,
    r.tenant_id AS tenant_id,
    r.user_id AS user_id,
    r.feature AS feature,
    r.turns AS turns,
    r.cost AS total_cost,
    r.input AS input_tokens,
    r.output AS output_tokens,
    r.cache_read AS cache_read_tokens,
    r.cache_write AS cache_write_tokens,
    r.reasoning AS reasoning_tokens,
    r.llm AS llm_calls,
    r.tools AS tool_calls,
    r.unpriced AS unpriced_calls,
    r.models AS model_costs,
    r.first AS first_seen,
    r.last AS last_seen,
    toUInt64(toUnixTimestamp64Nano(now64(9))) AS version,
    toUInt8(r.turns = 0) AS is_deleted,
    r.trace_ids AS trace_ids,
    r.services AS services
FROM
(
    SELECT DISTINCT auth_tenant, conversation_id FROM ({conversations}) WHERE conversation_id != ''
) AS c
LEFT JOIN
(
    SELECT
        t.auth_tenant AS auth_tenant,
        t.conversation_id AS conversation_id,
        argMinIf(t.tenant_id, (t.start_time, t.trace_id), t.tenant_id != '') AS tenant_id,
        argMinIf(t.user_id, (t.start_time, t.trace_id), t.user_id != '') AS user_id,
        argMinIf(t.feature, (t.start_time, t.trace_id), t.feature != '') AS feature,
        count() AS turns,
        sum(t.total_cost) AS cost,
        sum(t.input_tokens) AS input,
        sum(t.output_tokens) AS output,
        sum(t.cache_read_tokens) AS cache_read,
        sum(t.cache_write_tokens) AS cache_write,
        sum(t.reasoning_tokens) AS reasoning,
        sum(t.llm_calls) AS llm,
        sum(t.tool_calls) AS tools,
        sum(t.unpriced_calls) AS unpriced,
        sumMap(t.model_costs) AS models,
        min(t.start_time) AS first,
        max(t.end_time) AS last,
        arraySlice(arraySort(groupArray(t.trace_id)), 1, 1000) AS trace_ids,
        arraySort(groupUniqArray(t.service_name)) AS services
    FROM ({traces}) AS t
    GROUP BY t.auth_tenant, t.conversation_id
) AS r ON c.auth_tenant = r.auth_tenant AND c.conversation_id = r.conversation_id
WHERE r.turns > 0
    OR (c.auth_tenant, c.conversation_id) IN (SELECT auth_tenant, conversation_id FROM {db}.conversation_rollups FINAL
        WHERE (auth_tenant, conversation_id) IN (SELECT auth_tenant, conversation_id FROM ({may_be_empty})))
