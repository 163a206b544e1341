-- Cost per conversation over the conversations' traces that started in the window: how many, the
-- total and its infrastructure part ('infra:<rule>'), and the exact p50 / p95 / p99. Slots: {db},
-- {seconds}.
SELECT
    count() AS n,
    sum(c) AS total,
    sum(i) AS infra,
    quantileExact(0.5)(c) AS p50,
    quantileExact(0.95)(c) AS p95,
    quantileExact(0.99)(c) AS p99
FROM
(
    SELECT conversation_id, sum(total_cost) AS c,
        sum(arraySum(mapValues(mapFilter((k, v) -> startsWith(k, 'infra:'), model_costs)))) AS i
    FROM {db}.trace_rollup
    WHERE start_time >= now64(9) - toIntervalSecond({seconds}) AND conversation_id != ''
    GROUP BY auth_tenant, conversation_id
)
