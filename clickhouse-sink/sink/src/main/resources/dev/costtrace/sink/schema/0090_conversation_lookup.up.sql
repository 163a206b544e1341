-- One conversation answered from its own rollup row (the cost API's lookup, issue 15): the row
-- names its traces and their services, so that its models and calls are read from those traces'
-- span rows (the span rows' sort key) rather than by searching every trace rollup for the
-- conversation ID, and the list filters by service without grouping the trace rollups. Measured on
-- 10 million spans (benchmarks/results/api.md). trace_ids holds at most the first 1,000 trace IDs
-- in order; a conversation with more (or a row written before this migration, until the insert
-- below replaces it) has fewer IDs than turns, and the API then searches as it did before.
ALTER TABLE {db}.conversation_rollups{local} {on_cluster}
    ADD COLUMN IF NOT EXISTS trace_ids Array(String) CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS services Array(LowCardinality(String));

/* cluster-only */
ALTER TABLE {db}.conversation_rollups {on_cluster}
    ADD COLUMN IF NOT EXISTS trace_ids Array(String) CODEC(ZSTD(1)),
    ADD COLUMN IF NOT EXISTS services Array(LowCardinality(String));

-- The existing conversations again, with the new columns, by the rules of
-- rollup/conversation_rollups.sql (frozen here as of this migration): a newer version of each row.
INSERT INTO {db}.conversation_rollups
SELECT t.auth_tenant, t.conversation_id,
    argMinIf(t.tenant_id, (t.start_time, t.trace_id), t.tenant_id != ''),
    argMinIf(t.user_id, (t.start_time, t.trace_id), t.user_id != ''),
    argMinIf(t.feature, (t.start_time, t.trace_id), t.feature != ''),
    count(), sum(t.total_cost), sum(t.input_tokens), sum(t.output_tokens), sum(t.cache_read_tokens),
    sum(t.cache_write_tokens), sum(t.reasoning_tokens), sum(t.llm_calls), sum(t.tool_calls),
    sum(t.unpriced_calls), sumMap(t.model_costs), min(t.start_time), max(t.end_time),
    toUnixTimestamp64Nano(now64(9)), 0,
    arraySlice(arraySort(groupArray(t.trace_id)), 1, 1000),
    arraySort(groupUniqArray(t.service_name))
FROM {db}.trace_rollups AS t FINAL
WHERE t.conversation_id != ''
GROUP BY t.auth_tenant, t.conversation_id
{sync_insert};
