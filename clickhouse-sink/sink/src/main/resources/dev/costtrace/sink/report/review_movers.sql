-- Per-conversation p95 by feature and by model, in the period [from_ns, to_ns) and the one before
-- it [prev_from_ns, from_ns): a conversation's spend per feature (its traces') and per model
-- (model_costs, tools as 'tool:<name>'). Parameters: db, prev_from_ns, from_ns, to_ns.
SELECT
    kind,
    name,
    quantileExactIf(0.95)(c, period = 0) AS p95_now,
    countIf(period = 0) AS conversations_now,
    quantileExactIf(0.95)(c, period = 1) AS p95_before,
    countIf(period = 1) AS conversations_before
FROM
(
    SELECT 'feature' AS kind, feature AS name, period, tenant_id, conversation_id, sum(total_cost) AS c
    FROM
    (
        SELECT feature, tenant_id, conversation_id, total_cost,
            if(start_time >= fromUnixTimestamp64Nano({from_ns:Int64}, 'UTC'), 0, 1) AS period
        FROM {db:Identifier}.trace_rollup
        WHERE start_time >= fromUnixTimestamp64Nano({prev_from_ns:Int64}, 'UTC')
            AND start_time < fromUnixTimestamp64Nano({to_ns:Int64}, 'UTC')
            AND conversation_id != '' AND feature != ''
    )
    GROUP BY name, period, tenant_id, conversation_id
    UNION ALL
    SELECT 'model' AS kind, entry.1 AS name, period, tenant_id, conversation_id, sum(entry.2) AS c
    FROM
    (
        SELECT model_costs, tenant_id, conversation_id,
            if(start_time >= fromUnixTimestamp64Nano({from_ns:Int64}, 'UTC'), 0, 1) AS period
        FROM {db:Identifier}.trace_rollup
        WHERE start_time >= fromUnixTimestamp64Nano({prev_from_ns:Int64}, 'UTC')
            AND start_time < fromUnixTimestamp64Nano({to_ns:Int64}, 'UTC')
            AND conversation_id != ''
    )
    ARRAY JOIN CAST(model_costs, 'Array(Tuple(String, Decimal(38, 12)))') AS entry
    GROUP BY name, period, tenant_id, conversation_id
)
GROUP BY kind, name
ORDER BY kind, name
