-- Where the stored span rows of each selected trace are in time, as its rollup says: every span
-- row of a trace that is not in the batch being written lies in [start_time, end_time] of its
-- stored rollup (the batch that stored a span recomputed its trace before it was committed).
-- Slot: {trace_filter} on trace_rollups AS t.
SELECT t.auth_tenant AS auth_tenant, t.trace_id AS trace_id,
    toUnixTimestamp64Nano(t.start_time) AS first_start, toUnixTimestamp64Nano(t.end_time) AS last_end
FROM {db}.trace_rollups AS t FINAL
WHERE {trace_filter}
