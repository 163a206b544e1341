-- Calls without a price in [from_ns, to_ns), by model and why (unknown model, no usage, ...):
-- what to add to the catalog or the overrides. Parameters: db, from_ns, to_ns.
SELECT model, provider, pricing_status, count() AS calls, any(pricing_reason) AS reason
FROM {db:Identifier}.llm_calls
WHERE start_time >= fromUnixTimestamp64Nano({from_ns:Int64}, 'UTC')
    AND start_time < fromUnixTimestamp64Nano({to_ns:Int64}, 'UTC')
    AND pricing_status != 'PRICED'
GROUP BY model, provider, pricing_status
ORDER BY calls DESC, model ASC
LIMIT 20
