-- Spend per UTC day of the traces that started in [from_ns, to_ns), split at current_ns: the day
-- the reviewed period starts in gets one bar for each period, so no bar mixes the two.
-- Parameters: db, from_ns, current_ns, to_ns.
SELECT toDate(start_time) AS day,
    start_time >= fromUnixTimestamp64Nano({current_ns:Int64}, 'UTC') AS current,
    sum(total_cost) AS cost
FROM {db:Identifier}.trace_rollup
WHERE start_time >= fromUnixTimestamp64Nano({from_ns:Int64}, 'UTC')
    AND start_time < fromUnixTimestamp64Nano({to_ns:Int64}, 'UTC')
GROUP BY day, current
ORDER BY day, current
