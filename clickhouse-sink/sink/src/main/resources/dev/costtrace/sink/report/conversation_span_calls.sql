-- The calls of one conversation as llm_calls has them (not one the budget blocked: it was never
-- sent), read from the span rows (FINAL) of the traces its rollup names (trace_ids) within its
-- first and last seen: the span rows' sort key, so a lookup reads a few granules. Included by
-- conversation_models.sql and conversation_calls.sql. Parameters: db, auth_tenant, trace_ids,
-- from_ns, to_ns.
SELECT
    s.trace_id AS trace_id,
    s.span_id AS span_id,
    s.start_time AS start_time,
    s.end_time AS end_time,
    s.service_name AS service_name,
    s.provider AS provider,
    if(s.operation = 'execute_tool', concat('tool:', s.tool_name),
       if(s.response_model != '', s.response_model, s.request_model)) AS model,
    s.operation AS operation,
    s.input_tokens + s.cache_read_tokens + s.cache_write_tokens + s.audio_input_tokens AS input_tokens,
    s.cache_read_tokens AS cache_read_tokens,
    s.cache_write_tokens AS cache_write_tokens,
    s.output_tokens + s.reasoning_tokens + s.audio_output_tokens AS output_tokens,
    s.reasoning_tokens AS reasoning_tokens,
    s.total_cost AS total_cost,
    s.pricing_status AS pricing_status,
    s.pricing_reason AS pricing_reason
FROM {db:Identifier}.span_rows AS s FINAL
WHERE s.start_time >= fromUnixTimestamp64Nano({from_ns:Int64}, 'UTC')
    AND s.start_time <= fromUnixTimestamp64Nano({to_ns:Int64}, 'UTC')
    AND s.auth_tenant = {auth_tenant:String}
    AND s.trace_id IN (SELECT arrayJoin({trace_ids:Array(String)}))
    AND s.pricing_status != 'BUDGET_BLOCKED'
