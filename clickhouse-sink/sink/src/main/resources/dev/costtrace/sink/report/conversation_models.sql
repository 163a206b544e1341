-- The models (and tools, as 'tool:<name>') of one conversation: calls and cost of each, unpriced
-- ones included (their cost is zero, their calls count); and its infrastructure ('infra:<rule>'):
-- the cost allocated to its traces and, as calls, the spans that used it. Read from the traces its
-- rollup names (trace_ids), within its first and last seen (allocations: to hours_to_ns, its last
-- seen plus how long after a span's start its seconds may be counted): the span rows' and the
-- allocations' sort keys, so a lookup reads a few granules. The calls are llm_calls' (not one the
-- budget blocked: it was never sent), each named as llm_calls names it.
-- Parameters: db, auth_tenant, trace_ids, from_ns, to_ns, hours_to_ns.
SELECT model, calls, total_cost
FROM
(
    SELECT
        if(s.operation = 'execute_tool', concat('tool:', s.tool_name),
           if(s.response_model != '', s.response_model, s.request_model)) AS model,
        count() AS calls,
        sum(s.total_cost) AS total_cost
    FROM {db:Identifier}.span_rows AS s FINAL
    WHERE s.start_time >= fromUnixTimestamp64Nano({from_ns:Int64}, 'UTC')
        AND s.start_time <= fromUnixTimestamp64Nano({to_ns:Int64}, 'UTC')
        AND s.auth_tenant = {auth_tenant:String}
        AND s.trace_id IN (SELECT arrayJoin({trace_ids:Array(String)}))
        AND s.pricing_status != 'BUDGET_BLOCKED'
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
