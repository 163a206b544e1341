-- The models (and tools, as 'tool:<name>') of one conversation: calls and cost of each, unpriced
-- ones included (their cost is zero, their calls count), from its calls
-- (conversation_span_calls.sql); and its infrastructure ('infra:<rule>'): the cost allocated to
-- the traces its rollup names and, as calls, the spans that used it, within its first seen and
-- hours_to_ns (its last seen plus how long after a span's start its seconds may be counted: the
-- allocations' sort key). Parameters: db, auth_tenant, trace_ids, from_ns, to_ns, hours_to_ns.
SELECT model, calls, total_cost
FROM
(
    SELECT model, count() AS calls, sum(total_cost) AS total_cost
    FROM ({include:conversation_span_calls})
    GROUP BY model
    UNION ALL
    SELECT concat('infra:', a.rule) AS model, sum(a.spans) AS calls, sum(a.usd) AS total_cost
    FROM {db:Identifier}.infra_allocations AS a FINAL
    WHERE a.hour >= toStartOfHour(fromUnixTimestamp64Nano({from_ns:Int64}, 'UTC'))
        AND a.hour <= fromUnixTimestamp64Nano({hours_to_ns:Int64}, 'UTC')
        AND a.spans > 0 AND a.auth_tenant = {auth_tenant:String}
        AND a.trace_id IN (SELECT arrayJoin({trace_ids:Array(String)}))
    GROUP BY model
)
ORDER BY total_cost DESC, model ASC
