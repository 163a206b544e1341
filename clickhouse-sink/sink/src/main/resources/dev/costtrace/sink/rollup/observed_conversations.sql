-- Every conversation the selected traces were ever observed with, their old and their new one
-- alike (a late attribution that moves a trace changes both): the conversations whose rollups a
-- recomputation of those traces may change; with each, the traces among the selected that were
-- observed with more than one conversation (shared_traces), which need a move (trace_moves.sql)
-- before their recomputation, and whose conversations may have lost their last trace. Slot:
-- {trace_filter} on span_attributions AS o.
SELECT auth_tenant, conversation_id, groupArrayIf(trace_id, shared) AS shared_traces
FROM
(
    SELECT o.auth_tenant AS auth_tenant, o.trace_id AS trace_id,
        groupUniqArray(o.conversation_id) AS cs, length(cs) > 1 AS shared
    FROM {db}.span_attributions AS o
    WHERE ({trace_filter}) AND o.conversation_id != ''
    GROUP BY o.auth_tenant, o.trace_id
)
ARRAY JOIN cs AS conversation_id
GROUP BY auth_tenant, conversation_id
