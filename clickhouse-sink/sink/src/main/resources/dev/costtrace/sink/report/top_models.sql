-- The top models by cost over the calls that started in the window (llm_calls: one row per stored
-- span, deduplicated). Slots: {db}, {seconds} (the window), {top}.
SELECT
    model AS key,
    sum(total_cost) AS total,
    uniqExact(trace_id) AS turns,
    countIf(operation != 'execute_tool') AS llm,
    countIf(operation = 'execute_tool') AS tools,
    sum(input_tokens) AS tin,
    sum(output_tokens) AS tout,
    provider AS models
FROM {db}.llm_calls
WHERE start_time >= now64(9) - toIntervalSecond({seconds})
GROUP BY key, provider
ORDER BY total DESC
LIMIT {top}
