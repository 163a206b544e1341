-- conversation_models.sql for a conversation whose rollup does not name all its traces (more than
-- 1,000, or written before migration 0090): its traces found by the trace rollups' index on
-- conversation_id instead. Parameters: db, id, auth_tenant, from_ns, to_ns (the conversation's).
SELECT model, calls, total_cost
FROM
(
    SELECT model, count() AS calls, sum(total_cost) AS total_cost
    FROM {db:Identifier}.llm_calls
    WHERE conversation_id = {id:String} AND auth_tenant = {auth_tenant:String}
        AND start_time >= fromUnixTimestamp64Nano({from_ns:Int64}, 'UTC')
        AND start_time <= fromUnixTimestamp64Nano({to_ns:Int64}, 'UTC')
        AND trace_id IN (
            SELECT trace_id FROM {db:Identifier}.trace_rollup
            WHERE conversation_id = {id:String} AND auth_tenant = {auth_tenant:String})
    GROUP BY model
    UNION ALL
    SELECT concat('infra:', a.rule) AS model, sum(a.spans) AS calls, sum(a.usd) AS total_cost
    FROM {db:Identifier}.infra_allocations AS a FINAL
    WHERE a.spans > 0 AND (a.auth_tenant, a.trace_id) IN (
        SELECT auth_tenant, trace_id FROM {db:Identifier}.trace_rollup
        WHERE conversation_id = {id:String} AND auth_tenant = {auth_tenant:String})
    GROUP BY model
)
ORDER BY total_cost DESC, model ASC
