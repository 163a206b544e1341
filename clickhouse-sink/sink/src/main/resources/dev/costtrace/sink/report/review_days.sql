-- Spend per UTC day of the traces that started in [from_ns, to_ns). Parameters: db, from_ns, to_ns.
SELECT toDate(start_time) AS day, sum(total_cost) AS cost
FROM {db:Identifier}.trace_rollup
WHERE start_time >= fromUnixTimestamp64Nano({from_ns:Int64}, 'UTC')
    AND start_time < fromUnixTimestamp64Nano({to_ns:Int64}, 'UTC')
GROUP BY day
ORDER BY day
