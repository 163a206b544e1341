-- conversation_calls.sql for a conversation whose rollup does not name all its traces (more than
-- 1,000, or written before migration 0090): its traces found by the trace rollups' index on
-- conversation_id instead. Parameters: db, id, auth_tenant, from_ns, to_ns (the conversation's),
-- max_calls.
SELECT
    trace_id,
    span_id,
    toUnixTimestamp64Nano(start_time) AS start_ns,
    toUnixTimestamp64Nano(end_time) AS end_ns,
    service_name,
    provider,
    model,
    operation,
    input_tokens,
    cache_read_tokens,
    cache_write_tokens,
    output_tokens,
    reasoning_tokens,
    total_cost,
    pricing_status,
    pricing_reason
FROM {db:Identifier}.llm_calls
WHERE conversation_id = {id:String} AND auth_tenant = {auth_tenant:String}
    AND start_time >= fromUnixTimestamp64Nano({from_ns:Int64}, 'UTC')
    AND start_time <= fromUnixTimestamp64Nano({to_ns:Int64}, 'UTC')
    AND trace_id IN (
        SELECT trace_id FROM {db:Identifier}.trace_rollup
        WHERE conversation_id = {id:String} AND auth_tenant = {auth_tenant:String})
ORDER BY start_time ASC, span_id ASC
LIMIT {max_calls:UInt32}
