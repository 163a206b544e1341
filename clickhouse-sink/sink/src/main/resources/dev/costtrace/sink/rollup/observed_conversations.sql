-- Every conversation the selected traces were ever observed with, their old and their new one
-- alike (a late attribution that moves a trace changes both): the conversations whose rollups a
-- recomputation of those traces may change. Slot: {trace_filter} on span_attributions AS o.
SELECT DISTINCT o.auth_tenant AS auth_tenant, o.conversation_id AS conversation_id
FROM {db}.span_attributions AS o
WHERE ({trace_filter}) AND o.conversation_id != ''
