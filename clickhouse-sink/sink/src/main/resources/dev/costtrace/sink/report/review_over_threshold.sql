-- The period's conversations that cost at least threshold_usd in it, most expensive first (at
-- most max_rows), with their tenant, user, feature, turns and models (most expensive first).
-- Parameters: db, from_ns, to_ns, threshold_usd, max_rows.
SELECT
    tenant_id,
    conversation_id,
    anyLast(user_id) AS user_id,
    anyLast(feature) AS feature,
    count() AS turns,
    sum(total_cost) AS cost,
    arrayMap(x -> x.1, arrayReverseSort(x -> x.2,
        CAST(sumMap(model_costs), 'Array(Tuple(String, Decimal(38, 12)))'))) AS models
FROM {db:Identifier}.trace_rollup
WHERE start_time >= fromUnixTimestamp64Nano({from_ns:Int64}, 'UTC')
    AND start_time < fromUnixTimestamp64Nano({to_ns:Int64}, 'UTC')
    AND conversation_id != ''
GROUP BY tenant_id, conversation_id
HAVING cost >= {threshold_usd:Decimal(38, 12)}
ORDER BY cost DESC, conversation_id ASC, tenant_id ASC
LIMIT {max_rows:UInt32}
