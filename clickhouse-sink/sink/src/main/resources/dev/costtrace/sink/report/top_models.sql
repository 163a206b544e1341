-- The top models by cost over the calls that started in the window (llm_calls: one row per stored
-- span, deduplicated), and beside them the infrastructure rules ('infra:<rule>', provider
-- 'infra') by what was allocated to the traces that started in the window (trace_rollup).
-- Slots: {db}, {seconds} (the window), {top}.
SELECT key, total, infra, turns, llm, tools, tin, tout, models
FROM
(
    SELECT
        model AS key,
        sum(total_cost) AS total,
        toDecimal128(0, 12) AS infra,
        uniqExact(trace_id) AS turns,
        countIf(operation != 'execute_tool') AS llm,
        countIf(operation = 'execute_tool') AS tools,
        sum(input_tokens) AS tin,
        sum(output_tokens) AS tout,
        provider AS models
    FROM {db}.llm_calls
    WHERE start_time >= now64(9) - toIntervalSecond({seconds})
    GROUP BY key, provider
    UNION ALL
    SELECT
        entry.1 AS key,
        sum(entry.2) AS total,
        sum(entry.2) AS infra,
        count() AS turns,
        toUInt64(0) AS llm,
        toUInt64(0) AS tools,
        toUInt64(0) AS tin,
        toUInt64(0) AS tout,
        'infra' AS models
    FROM {db}.trace_rollup
    ARRAY JOIN CAST(model_costs, 'Array(Tuple(String, Decimal(38, 12)))') AS entry
    WHERE start_time >= now64(9) - toIntervalSecond({seconds}) AND startsWith(entry.1, 'infra:')
    GROUP BY key
)
ORDER BY total DESC, key ASC
LIMIT {top}
