-- llm_calls, as readers need it now (one migration, both changes new in the same release):
-- each call's adjusted count (0040), so that panels and the API can show an estimate under
-- sampling beside counted money for exactly the calls they filter; and no call the agent's budget
-- blocked (pricing_status BUDGET_BLOCKED): it was never sent, so it is not an LLM call, and it
-- leaves every per-call panel, report and API count, as the rollups leave it out of their LLM and
-- unpriced calls. Its row stays in spans; budget_events shows the block. The other columns, and how
-- attribution is resolved, are those of 0006.
DROP VIEW IF EXISTS {db}.llm_calls {on_cluster} SYNC;

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
    s.auth_tenant AS auth_tenant,
    s.adjusted_count AS adjusted_count
FROM {db}.span_rows AS s FINAL
LEFT JOIN
(
    SELECT auth_tenant, trace_id, conversation_id, tenant_id, user_id, feature
    FROM {db}.trace_rollups FINAL
) AS r ON s.auth_tenant = r.auth_tenant AND s.trace_id = r.trace_id
WHERE s.pricing_status != 'BUDGET_BLOCKED';
