-- Per hour, a digest of the use a rule's allocation is computed from ({usage}: usage_by_trace.sql
-- or usage_by_conversation.sql): the traces, their units and spans. An hour whose digest differs
-- from the one its allocation was computed from is allocated again. Slot: {usage}.
SELECT
    hour,
    concat(toString(count()), '/', toString(sum(units)), '/', toString(sum(spans)), '/',
        hex(groupBitXor(cityHash64(auth_tenant, trace_id, units, spans)))) AS digest
FROM ({usage})
GROUP BY hour
