-- Before the selected traces are recomputed: for each one observed with more than one
-- conversation, a move out of every one of them, versioned now, so that the rollup the
-- recomputation then writes (versioned later) is the only one of the trace that counts
-- (conversation_traces.sql). Slot: {trace_filter} on span_attributions AS o.
INSERT INTO {db}.trace_moves
SELECT o.auth_tenant, c, o.trace_id, toUInt64(toUnixTimestamp64Nano(now64(9))), now64(9)
FROM
(
    SELECT o.auth_tenant AS auth_tenant, o.trace_id AS trace_id, groupUniqArray(o.conversation_id) AS cs
    FROM {db}.span_attributions AS o
    WHERE ({trace_filter}) AND o.conversation_id != ''
    GROUP BY o.auth_tenant, o.trace_id
    HAVING length(cs) > 1
) AS o
ARRAY JOIN o.cs AS c
