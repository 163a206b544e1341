-- The newest rollup of each trace whose newest rollup names one of the selected conversations, by
-- definition: trace_rollups FINAL, filtered. Reads the whole table (sorted by trace), so it serves
-- the check, repairs and repricing, and is what conversation_traces.sql must equal. Columns: those
-- of trace_rollups. Slot: {conversations}, a query of (auth_tenant, conversation_id).
SELECT *
FROM {db}.trace_rollups FINAL
WHERE (auth_tenant, conversation_id) IN
    (SELECT auth_tenant, conversation_id FROM ({conversations}) WHERE conversation_id != '')
