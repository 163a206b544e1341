-- The models (and tools, as 'tool:<name>') of one conversation (an ID within a tenant): calls
-- and cost of each, unpriced ones included (their cost is zero, their calls count); and its
-- infrastructure ('infra:<rule>'): the cost allocated to its traces and, as calls, the spans that
-- used it. The calls are read only from the conversation's traces (by the trace rollups' index on
-- conversation_id) within its first and last seen (the spans' sort key): what its rollup counts,
-- without reading every span and trace. Parameters: db, id, tenant, from_ns, to_ns (the
-- conversation's).
SELECT model, calls, total_cost
FROM
(
    SELECT model, count() AS calls, sum(total_cost) AS total_cost
    FROM {db:Identifier}.llm_calls
    WHERE conversation_id = {id:String} AND tenant_id = {tenant:String}
        AND start_time >= fromUnixTimestamp64Nano({from_ns:Int64}, 'UTC')
        AND start_time <= fromUnixTimestamp64Nano({to_ns:Int64}, 'UTC')
        AND trace_id IN (
            SELECT trace_id FROM {db:Identifier}.trace_rollup
            WHERE conversation_id = {id:String} AND tenant_id = {tenant:String})
    GROUP BY model
    UNION ALL
    SELECT concat('infra:', a.rule) AS model, sum(a.spans) AS calls, sum(a.usd) AS total_cost
    FROM {db:Identifier}.infra_allocations AS a FINAL
    WHERE a.spans > 0 AND (a.auth_tenant, a.trace_id) IN (
        SELECT auth_tenant, trace_id FROM {db:Identifier}.trace_rollup
        WHERE conversation_id = {id:String} AND tenant_id = {tenant:String})
    GROUP BY model
)
ORDER BY total_cost DESC, model ASC
