-- Every LLM and tool call of one conversation in the order they started, at most max_calls
-- (conversation_span_calls.sql). Parameters: db, auth_tenant, trace_ids, from_ns, to_ns,
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
FROM ({include:conversation_span_calls})
ORDER BY start_time ASC, span_id ASC
LIMIT {max_calls:UInt32}
