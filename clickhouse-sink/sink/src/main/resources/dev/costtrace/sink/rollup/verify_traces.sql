-- Every trace rollup against a fresh recomputation (trace_rollups.sql), for the traces selected by
-- {traces} (a query of auth_tenant, trace_id): one row per trace where they differ, or where one
-- of them is missing (e_found / s_found), with both versions of every column.
SELECT
    ifNull(e.auth_tenant, s.auth_tenant) AS auth_tenant,
    ifNull(e.trace_id, s.trace_id) AS trace_id,
    e.trace_id IS NOT NULL AS e_found,
    s.trace_id IS NOT NULL AS s_found,
    e.conversation_id AS e_conversation_id, s.conversation_id AS s_conversation_id,
    e.tenant_id AS e_tenant_id, s.tenant_id AS s_tenant_id,
    e.user_id AS e_user_id, s.user_id AS s_user_id,
    e.feature AS e_feature, s.feature AS s_feature,
    e.service_name AS e_service_name, s.service_name AS s_service_name,
    e.start_time AS e_start_time, s.start_time AS s_start_time,
    e.end_time AS e_end_time, s.end_time AS s_end_time,
    e.total_cost AS e_total_cost, s.total_cost AS s_total_cost,
    e.input_tokens AS e_input_tokens, s.input_tokens AS s_input_tokens,
    e.cache_read_tokens AS e_cache_read_tokens, s.cache_read_tokens AS s_cache_read_tokens,
    e.cache_write_tokens AS e_cache_write_tokens, s.cache_write_tokens AS s_cache_write_tokens,
    e.output_tokens AS e_output_tokens, s.output_tokens AS s_output_tokens,
    e.reasoning_tokens AS e_reasoning_tokens, s.reasoning_tokens AS s_reasoning_tokens,
    e.llm_calls AS e_llm_calls, s.llm_calls AS s_llm_calls,
    e.tool_calls AS e_tool_calls, s.tool_calls AS s_tool_calls,
    e.unpriced_calls AS e_unpriced_calls, s.unpriced_calls AS s_unpriced_calls,
    toString(e.model_costs) AS e_model_costs, toString(s.model_costs) AS s_model_costs
FROM
(
    {expected}
) AS e
FULL OUTER JOIN
(
    SELECT * FROM {db}.trace_rollups FINAL
    WHERE (auth_tenant, trace_id) IN ({traces})
) AS s ON e.auth_tenant = s.auth_tenant AND e.trace_id = s.trace_id
WHERE e.trace_id IS NULL OR s.trace_id IS NULL
    OR (e.conversation_id, e.tenant_id, e.user_id, e.feature, e.service_name, e.start_time, e.end_time,
        e.total_cost, e.input_tokens, e.cache_read_tokens, e.cache_write_tokens, e.output_tokens,
        e.reasoning_tokens, e.llm_calls, e.tool_calls, e.unpriced_calls, e.model_costs)
    != (s.conversation_id, s.tenant_id, s.user_id, s.feature, s.service_name, s.start_time, s.end_time,
        s.total_cost, s.input_tokens, s.cache_read_tokens, s.cache_write_tokens, s.output_tokens,
        s.reasoning_tokens, s.llm_calls, s.tool_calls, s.unpriced_calls, s.model_costs)
SETTINGS join_use_nulls = 1
