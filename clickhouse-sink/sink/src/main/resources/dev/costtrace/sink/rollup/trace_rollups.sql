-- The rollup of each selected trace as a function of what is stored: its span rows, deduplicated
-- (FINAL: of the rows of one span the highest row_version), and its attribution, resolved from
-- every observation of the trace (SpanAttribution): per field the non-empty value of the
-- earliest-starting span that has one (ties: the lowest span ID); with a tenant key (bearer-token
-- auth) the tenant is the key. Infrastructure cost: the trace's allocations (infra_allocations
-- FINAL, the rows of the hours it used) as infra:<rule> beside its models and tools, and in its
-- total. Columns in the order of trace_rollups; the version is the time of this read, so that of
-- two recomputations the later one, which saw at least as much, wins.
-- Slots: {span_filter} on span_rows AS x, {attribution_filter} on span_attributions AS o,
-- {allocation_filter} on infra_allocations AS o (the traces, and where the writer knows it, the
-- hours their allocations can be in).
SELECT
    s.auth_tenant AS auth_tenant,
    s.trace_id AS trace_id,
    a.conversation_id AS conversation_id,
    if(s.auth_tenant != '', s.auth_tenant, a.tenant_id) AS tenant_id,
    a.user_id AS user_id,
    a.feature AS feature,
    s.service_name AS service_name,
    s.first_start AS start_time,
    s.last_end AS end_time,
    s.cost + ifNull(i.cost, toDecimal128(0, 12)) AS total_cost,
    s.input AS input_tokens,
    s.cache_read AS cache_read_tokens,
    s.cache_write AS cache_write_tokens,
    s.output AS output_tokens,
    s.reasoning AS reasoning_tokens,
    s.llm AS llm_calls,
    s.tools AS tool_calls,
    s.unpriced AS unpriced_calls,
    mapUpdate(s.models, i.models) AS model_costs,
    toUInt64(toUnixTimestamp64Nano(now64(9))) AS version
FROM
(
    SELECT
        x.auth_tenant AS auth_tenant,
        x.trace_id AS trace_id,
        argMin(x.service_name, (x.start_time, x.span_id)) AS service_name,
        min(x.start_time) AS first_start,
        max(x.end_time) AS last_end,
        sum(x.total_cost) AS cost,
        sum(x.input_tokens + x.cache_read_tokens + x.cache_write_tokens + x.audio_input_tokens) AS input,
        sum(x.cache_read_tokens) AS cache_read,
        sum(x.cache_write_tokens) AS cache_write,
        sum(x.output_tokens + x.reasoning_tokens + x.audio_output_tokens) AS output,
        sum(x.reasoning_tokens) AS reasoning,
        -- A call the agent's budget blocked (BUDGET_BLOCKED) was never sent: neither an LLM call
        -- nor an unpriced one; its budget event shows it.
        countIf(x.operation != 'execute_tool' AND x.pricing_status != 'BUDGET_BLOCKED') AS llm,
        countIf(x.operation = 'execute_tool') AS tools,
        countIf(x.pricing_status NOT IN ('PRICED', 'BUDGET_BLOCKED')) AS unpriced,
        sumMap(map(if(x.operation = 'execute_tool', concat('tool:', x.tool_name),
            if(x.response_model != '', x.response_model, x.request_model)), x.total_cost)) AS models
    FROM {db}.span_rows AS x FINAL
    WHERE {span_filter}
    GROUP BY x.auth_tenant, x.trace_id
) AS s
LEFT JOIN
(
    SELECT
        o.auth_tenant AS auth_tenant,
        o.trace_id AS trace_id,
        argMinIf(o.conversation_id, (o.start_time, o.span_id), o.conversation_id != '') AS conversation_id,
        argMinIf(o.tenant_id, (o.start_time, o.span_id), o.tenant_id != '') AS tenant_id,
        argMinIf(o.user_id, (o.start_time, o.span_id), o.user_id != '') AS user_id,
        argMinIf(o.feature, (o.start_time, o.span_id), o.feature != '') AS feature
    FROM {db}.span_attributions AS o
    WHERE {attribution_filter}
    GROUP BY o.auth_tenant, o.trace_id
) AS a ON s.auth_tenant = a.auth_tenant AND s.trace_id = a.trace_id
LEFT JOIN
(
    SELECT
        o.auth_tenant AS auth_tenant,
        o.trace_id AS trace_id,
        sum(o.usd) AS cost,
        sumMap(map(concat('infra:', o.rule), o.usd)) AS models
    FROM {db}.infra_allocations AS o FINAL
    WHERE ({allocation_filter}) AND o.spans > 0
    GROUP BY o.auth_tenant, o.trace_id
) AS i ON s.auth_tenant = i.auth_tenant AND s.trace_id = i.trace_id
