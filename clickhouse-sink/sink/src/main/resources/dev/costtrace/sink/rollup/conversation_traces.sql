-- The newest rollup of each trace whose newest rollup names one of the selected conversations, the
-- writer's way: the rows of trace_rollups that name them, read by key through the projection sorted
-- by conversation (migration 0100; without FINAL, which projections do not serve), each trace's
-- newest of those, and of these only the ones newer than the trace's last move out of that
-- conversation (trace_moves: a trace that left a conversation keeps an older row naming it until
-- merges collapse it). Equal to conversation_traces_final.sql whenever every trace observed with more
-- than one conversation wrote its moves before its rollup, as the recomputer does. Columns: those of
-- trace_rollups. Slot: {conversations}, a query of (auth_tenant, conversation_id).
SELECT x.*
FROM
(
    SELECT
        t.auth_tenant AS auth_tenant,
        t.trace_id AS trace_id,
        argMax(t.conversation_id, t.version) AS conversation_id,
        argMax(t.tenant_id, t.version) AS tenant_id,
        argMax(t.user_id, t.version) AS user_id,
        argMax(t.feature, t.version) AS feature,
        argMax(t.service_name, t.version) AS service_name,
        argMax(t.start_time, t.version) AS start_time,
        argMax(t.end_time, t.version) AS end_time,
        argMax(t.total_cost, t.version) AS total_cost,
        argMax(t.input_tokens, t.version) AS input_tokens,
        argMax(t.cache_read_tokens, t.version) AS cache_read_tokens,
        argMax(t.cache_write_tokens, t.version) AS cache_write_tokens,
        argMax(t.output_tokens, t.version) AS output_tokens,
        argMax(t.reasoning_tokens, t.version) AS reasoning_tokens,
        argMax(t.llm_calls, t.version) AS llm_calls,
        argMax(t.tool_calls, t.version) AS tool_calls,
        argMax(t.unpriced_calls, t.version) AS unpriced_calls,
        argMax(t.model_costs, t.version) AS model_costs,
        max(t.version) AS version
    FROM {db}.trace_rollups AS t
    WHERE (t.auth_tenant, t.conversation_id) IN
        (SELECT auth_tenant, conversation_id FROM ({conversations}) WHERE conversation_id != '')
    GROUP BY t.auth_tenant, t.trace_id
) AS x
LEFT JOIN
(
    SELECT m.auth_tenant AS auth_tenant, m.conversation_id AS conversation_id, m.trace_id AS trace_id,
        max(m.version) AS moved
    FROM {db}.trace_moves AS m
    WHERE (m.auth_tenant, m.conversation_id) IN
        (SELECT auth_tenant, conversation_id FROM ({conversations}) WHERE conversation_id != '')
    GROUP BY m.auth_tenant, m.conversation_id, m.trace_id
) AS y ON x.auth_tenant = y.auth_tenant AND x.conversation_id = y.conversation_id
    AND x.trace_id = y.trace_id
WHERE x.version > ifNull(y.moved, 0)
