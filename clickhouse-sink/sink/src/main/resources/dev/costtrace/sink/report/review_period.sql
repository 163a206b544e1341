-- The review's figures for one period [from_ns, to_ns): all spend of the traces that started in
-- it and its infrastructure part ('infra:<rule>'), and over its conversations (a conversation ID within a tenant; its spend in the period) the
-- count, p50/p95/p99/max, the spend of the most expensive 5 % (the top ceil(5 % of n)), and how
-- many cost at least threshold_usd. Parameters: db, from_ns, to_ns, threshold_usd.
SELECT
    (
        SELECT sum(total_cost)
        FROM {db:Identifier}.trace_rollup
        WHERE start_time >= fromUnixTimestamp64Nano({from_ns:Int64}, 'UTC')
            AND start_time < fromUnixTimestamp64Nano({to_ns:Int64}, 'UTC')
    ) AS total_cost,
    (
        SELECT sum(arraySum(mapValues(mapFilter((k, v) -> startsWith(k, 'infra:'), model_costs))))
        FROM {db:Identifier}.trace_rollup
        WHERE start_time >= fromUnixTimestamp64Nano({from_ns:Int64}, 'UTC')
            AND start_time < fromUnixTimestamp64Nano({to_ns:Int64}, 'UTC')
    ) AS infra_cost,
    sum(c) AS conversation_cost,
    count() AS conversations,
    quantileExact(0.5)(c) AS p50,
    quantileExact(0.95)(c) AS p95,
    quantileExact(0.99)(c) AS p99,
    max(c) AS max_cost,
    arraySum(arraySlice(arrayReverseSort(groupArray(c)), 1, toUInt64(ceil(count() * 5 / 100)))) AS top_5pct_cost,
    countIf(c >= {threshold_usd:Decimal(38, 12)}) AS over_threshold
FROM
(
    {include:review_conversations}
)
