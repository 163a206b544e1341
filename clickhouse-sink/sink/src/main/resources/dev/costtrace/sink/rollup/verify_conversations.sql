-- Every conversation rollup against a fresh recomputation from the trace rollups
-- (conversation_rollups.sql), for the conversations selected by {conversations}: one row per
-- conversation where they differ, or where one of them is missing, with both versions.
SELECT
    ifNull(e.auth_tenant, s.auth_tenant) AS auth_tenant,
    ifNull(e.conversation_id, s.conversation_id) AS conversation_id,
    e.conversation_id IS NOT NULL AS e_found,
    s.conversation_id IS NOT NULL AS s_found,
    e.tenant_id AS e_tenant_id, s.tenant_id AS s_tenant_id,
    e.user_id AS e_user_id, s.user_id AS s_user_id,
    e.feature AS e_feature, s.feature AS s_feature,
    e.turns AS e_turns, s.turns AS s_turns,
    e.total_cost AS e_total_cost, s.total_cost AS s_total_cost,
    e.input_tokens AS e_input_tokens, s.input_tokens AS s_input_tokens,
    e.output_tokens AS e_output_tokens, s.output_tokens AS s_output_tokens,
    e.cache_read_tokens AS e_cache_read_tokens, s.cache_read_tokens AS s_cache_read_tokens,
    e.cache_write_tokens AS e_cache_write_tokens, s.cache_write_tokens AS s_cache_write_tokens,
    e.reasoning_tokens AS e_reasoning_tokens, s.reasoning_tokens AS s_reasoning_tokens,
    e.llm_calls AS e_llm_calls, s.llm_calls AS s_llm_calls,
    e.tool_calls AS e_tool_calls, s.tool_calls AS s_tool_calls,
    e.unpriced_calls AS e_unpriced_calls, s.unpriced_calls AS s_unpriced_calls,
    e.first_seen AS e_first_seen, s.first_seen AS s_first_seen,
    e.last_seen AS e_last_seen, s.last_seen AS s_last_seen,
    toString(e.model_costs) AS e_model_costs, toString(s.model_costs) AS s_model_costs,
    toString(e.trace_ids) AS e_trace_ids, toString(s.trace_ids) AS s_trace_ids,
    toString(e.services) AS e_services, toString(s.services) AS s_services
FROM
(
    SELECT * FROM ({expected}) WHERE is_deleted = 0
) AS e
FULL OUTER JOIN
(
    SELECT * FROM {db}.conversation_rollups FINAL
    WHERE (auth_tenant, conversation_id) IN ({conversations})
) AS s ON e.auth_tenant = s.auth_tenant AND e.conversation_id = s.conversation_id
WHERE e.conversation_id IS NULL OR s.conversation_id IS NULL
    OR (e.tenant_id, e.user_id, e.feature, e.turns, e.total_cost, e.input_tokens, e.output_tokens,
        e.cache_read_tokens, e.cache_write_tokens, e.reasoning_tokens, e.llm_calls, e.tool_calls,
        e.unpriced_calls, e.model_costs, e.first_seen, e.last_seen, e.trace_ids, e.services)
    != (s.tenant_id, s.user_id, s.feature, s.turns, s.total_cost, s.input_tokens, s.output_tokens,
        s.cache_read_tokens, s.cache_write_tokens, s.reasoning_tokens, s.llm_calls, s.tool_calls,
        s.unpriced_calls, s.model_costs, s.first_seen, s.last_seen, s.trace_ids, s.services)
SETTINGS join_use_nulls = 1
