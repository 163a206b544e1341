-- The estimate under sampling beside grouped_costs.sql: per group (the same keys, filters and
-- window, over the calls that started in it), the calls that stand for more than themselves
-- (adjusted_count > 1: sampled by probability, and their emitter said so), the counted spend of
-- the group's calls and the estimate (each call weighed by its adjusted count). Only groups with a
-- sampled call: elsewhere there is nothing to estimate. Never per conversation.
-- Parameters: db, scope, tenant, user, feature, service, model, from_ns, to_ns, by_tenant,
-- by_feature, by_model, by_day.
SELECT
    if({by_tenant:UInt8}, tenant_id, '') AS tenant,
    if({by_feature:UInt8}, feature, '') AS feature,
    if({by_model:UInt8}, model, '') AS model,
    if({by_day:UInt8}, toDate(start_time), toDate(0)) AS day,
    countIf(adjusted_count > 1) AS sampled_calls,
    sum(total_cost) AS counted,
    sum(toDecimal128(total_cost * adjusted_count, 12)) AS estimated
FROM {db:Identifier}.llm_calls
WHERE start_time >= fromUnixTimestamp64Nano({from_ns:Int64}, 'UTC')
    AND start_time < fromUnixTimestamp64Nano({to_ns:Int64}, 'UTC')
    AND ({scope:String} = '' OR tenant_id = {scope:String})
    AND ({tenant:String} = '' OR tenant_id = {tenant:String})
    AND ({user:String} = '' OR user_id = {user:String})
    AND ({feature:String} = '' OR feature = {feature:String})
    AND ({service:String} = '' OR service_name = {service:String})
    AND ({model:String} = '' OR model = {model:String})
GROUP BY tenant, feature, model, day
HAVING sampled_calls > 0
