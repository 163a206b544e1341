-- Takes infrastructure cost out of the rollups (the infra:<rule> entries and their part of
-- total_cost, as new versions), then drops the allocation tables: the rollups are again what a
-- release without infrastructure cost recomputes.
INSERT INTO {db}.trace_rollups (auth_tenant, trace_id, conversation_id, tenant_id, user_id, feature,
    service_name, start_time, end_time, total_cost, input_tokens, cache_read_tokens,
    cache_write_tokens, output_tokens, reasoning_tokens, llm_calls, tool_calls, unpriced_calls,
    model_costs, version)
SELECT auth_tenant, trace_id, conversation_id, tenant_id, user_id, feature, service_name,
    start_time, end_time,
    total_cost - arraySum(mapValues(mapFilter((k, v) -> startsWith(k, 'infra:'), model_costs))),
    input_tokens, cache_read_tokens, cache_write_tokens, output_tokens, reasoning_tokens, llm_calls,
    tool_calls, unpriced_calls, mapFilter((k, v) -> NOT startsWith(k, 'infra:'), model_costs),
    toUInt64(toUnixTimestamp64Nano(now64(9)))
FROM {db}.trace_rollups FINAL
WHERE arrayExists(k -> startsWith(k, 'infra:'), mapKeys(model_costs))
{sync_insert};

INSERT INTO {db}.conversation_rollups (auth_tenant, conversation_id, tenant_id, user_id, feature,
    turns, total_cost, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
    reasoning_tokens, llm_calls, tool_calls, unpriced_calls, model_costs, first_seen, last_seen,
    version, is_deleted)
SELECT auth_tenant, conversation_id, tenant_id, user_id, feature, turns,
    total_cost - arraySum(mapValues(mapFilter((k, v) -> startsWith(k, 'infra:'), model_costs))),
    input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, reasoning_tokens,
    llm_calls, tool_calls, unpriced_calls, mapFilter((k, v) -> NOT startsWith(k, 'infra:'), model_costs),
    first_seen, last_seen, toUInt64(toUnixTimestamp64Nano(now64(9))), 0
FROM {db}.conversation_rollups FINAL
WHERE arrayExists(k -> startsWith(k, 'infra:'), mapKeys(model_costs))
{sync_insert};

/* cluster-only */
DROP TABLE IF EXISTS {db}.infra_allocator_runs {on_cluster} SYNC;
DROP TABLE IF EXISTS {db}.infra_allocator_runs{local} {on_cluster} SYNC;
/* cluster-only */
DROP TABLE IF EXISTS {db}.infra_periods {on_cluster} SYNC;
DROP TABLE IF EXISTS {db}.infra_periods{local} {on_cluster} SYNC;
/* cluster-only */
DROP TABLE IF EXISTS {db}.infra_allocations {on_cluster} SYNC;
DROP TABLE IF EXISTS {db}.infra_allocations{local} {on_cluster} SYNC;
