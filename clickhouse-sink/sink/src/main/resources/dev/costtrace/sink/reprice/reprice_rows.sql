-- The stored rows a repricing prices again (FINAL: the current version of each span), with the
-- resolved conversation of their trace for the report. Slots: {db}, {columns} (the span columns,
-- times as Unix epoch nanoseconds), {span_filter} on span_rows AS x.
SELECT {columns}, r.conversation_id AS rollup_conversation_id
FROM {db}.span_rows AS x FINAL
LEFT JOIN
(
    SELECT auth_tenant, trace_id, conversation_id
    FROM {db}.trace_rollups FINAL
    WHERE (auth_tenant, trace_id) IN (SELECT x.auth_tenant, x.trace_id FROM {db}.span_rows AS x WHERE {span_filter})
) AS r ON r.auth_tenant = x.auth_tenant AND r.trace_id = x.trace_id
WHERE {span_filter}
