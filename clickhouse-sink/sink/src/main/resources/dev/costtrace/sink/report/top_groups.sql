-- The top conversations, traces, tenants or features by cost over the traces that started in the
-- window (trace_rollup: one row per trace, exact), with their models by cost; infra: the part of
-- the total that is infrastructure (the rollups' 'infra:<rule>' entries). Slots: {db},
-- {key} (the grouping column), {seconds}, {key_filter} (empty keys left out, or nothing), {top}.
SELECT
    {key} AS key,
    sum(total_cost) AS total,
    sum(arraySum(mapValues(mapFilter((k, v) -> startsWith(k, 'infra:'), model_costs)))) AS infra,
    count() AS turns,
    sum(llm_calls) AS llm,
    sum(tool_calls) AS tools,
    sum(input_tokens) AS tin,
    sum(output_tokens) AS tout,
    arrayStringConcat(arraySort(x -> -x.2, arrayZip(mapKeys(sumMap(model_costs)),
        mapValues(sumMap(model_costs)))).1, ',') AS models
FROM {db}.trace_rollup
WHERE start_time >= now64(9) - toIntervalSecond({seconds}) {key_filter}
GROUP BY key
ORDER BY total DESC
LIMIT {top}
