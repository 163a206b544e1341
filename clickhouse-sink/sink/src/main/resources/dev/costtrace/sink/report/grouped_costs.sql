-- Spend of the traces that started within [from_ns, to_ns), grouped by any of tenant, feature,
-- model and day (a key not grouped by is '' or 1970-01-01), with the per-conversation p50, p95,
-- p99 and max of each group: each trace's cost is split by model (the rollup's model_costs, tools
-- as 'tool:<name>'), summed per conversation within the group, and the percentiles taken over
-- those sums (a conversation is a conversation ID within a tenant). infra_cost: the part of
-- total_cost that is infrastructure ('infra:<rule>'). Spend without a conversation
-- counts in total_cost, not in the conversations or the percentiles. turns: the traces in the
-- group, counted without hashing their IDs: a trace has one entry per model, so by model (or
-- filtered to one) each row is a trace, and otherwise its first entry stands for it.
-- Parameters: db, scope, tenant, user, feature, service, model, from_ns, to_ns, by_tenant,
-- by_feature, by_model, by_day.
SELECT
    tenant,
    feature,
    model,
    day,
    sum(cost) AS total_cost,
    sum(infra) AS infra_cost,
    countIf(conversation_id != '') AS conversations,
    sum(turns) AS turns,
    quantileExactIf(0.5)(cost, conversation_id != '') AS p50,
    quantileExactIf(0.95)(cost, conversation_id != '') AS p95,
    quantileExactIf(0.99)(cost, conversation_id != '') AS p99,
    maxIf(cost, conversation_id != '') AS max_cost
FROM
(
    SELECT
        if({by_tenant:UInt8}, tenant_id, '') AS tenant,
        if({by_feature:UInt8}, feature, '') AS feature,
        if({by_model:UInt8}, entry.1, '') AS model,
        if({by_day:UInt8}, toDate(start_time), toDate(0)) AS day,
        tenant_id,
        conversation_id,
        sum(entry.2) AS cost,
        sumIf(entry.2, startsWith(entry.1, 'infra:')) AS infra,
        countIf({by_model:UInt8} = 1 OR {model:String} != '' OR entry_index = 1) AS turns
    FROM {db:Identifier}.trace_rollup
    ARRAY JOIN CAST(model_costs, 'Array(Tuple(String, Decimal(38, 12)))') AS entry,
        arrayEnumerate(mapKeys(model_costs)) AS entry_index
    WHERE start_time >= fromUnixTimestamp64Nano({from_ns:Int64}, 'UTC')
        AND start_time < fromUnixTimestamp64Nano({to_ns:Int64}, 'UTC')
        AND ({scope:String} = '' OR tenant_id = {scope:String})
        AND ({tenant:String} = '' OR tenant_id = {tenant:String})
        AND ({user:String} = '' OR user_id = {user:String})
        AND ({feature:String} = '' OR feature = {feature:String})
        AND ({service:String} = '' OR service_name = {service:String})
        AND ({model:String} = '' OR entry.1 = {model:String})
    GROUP BY tenant, feature, model, day, tenant_id, conversation_id
)
GROUP BY tenant, feature, model, day
ORDER BY total_cost DESC, tenant, feature, model, day
