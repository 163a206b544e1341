-- Conversations with their rollup figures (conversation_rollups: the sums of their traces'
-- rollups), most expensive first, one page at a time. The total splits into LLM calls, tools
-- ('tool:<name>') and infrastructure ('infra:<rule>', COSTTRACE_INFRA_COSTS) by the rollup's
-- model_costs. A conversation is a conversation ID within a tenant key (auth on: the bearer
-- token's tenant, so the same ID sent under two tenants is two conversations and a tenant scope
-- never sees another tenant's; auth off: one key, and the tenant is what the conversation's
-- earliest trace said), as in every panel and report. Listed when its last span ended within
-- [from_ns, to_ns); its figures are the whole conversation's. Keyset pagination: after (after_usd,
-- after_id, after_tenant) in (total_cost DESC, conversation_id ASC, tenant_id ASC). trace_ids: its
-- traces, complete when there are as many as turns (conversation_models.sql reads by them).
-- Parameters: db, id ('' = any), scope, tenant, user, feature, service, model ('' = any), min_usd,
-- from_ns, to_ns, has_after, after_usd, after_id, after_tenant, limit.
SELECT
    conversation_id,
    tenant_id,
    auth_tenant,
    user_id,
    feature,
    turns,
    total_cost,
    arraySum(mapValues(mapFilter((k, v) -> NOT startsWith(k, 'tool:') AND NOT startsWith(k, 'infra:'),
        model_costs))) AS llm_cost,
    arraySum(mapValues(mapFilter((k, v) -> startsWith(k, 'tool:'), model_costs))) AS tool_cost,
    arraySum(mapValues(mapFilter((k, v) -> startsWith(k, 'infra:'), model_costs))) AS infra_cost,
    input_tokens,
    output_tokens,
    cache_read_tokens,
    cache_write_tokens,
    reasoning_tokens,
    llm_calls,
    tool_calls,
    unpriced_calls,
    trace_ids,
    toUnixTimestamp64Nano(first_seen) AS first_seen_ns,
    toUnixTimestamp64Nano(last_seen) AS last_seen_ns
FROM {db:Identifier}.conversation_rollups FINAL
WHERE is_deleted = 0
    AND ({id:String} = '' OR conversation_id = {id:String})
    AND last_seen >= fromUnixTimestamp64Nano({from_ns:Int64}, 'UTC')
    AND last_seen < fromUnixTimestamp64Nano({to_ns:Int64}, 'UTC')
    AND ({scope:String} = '' OR tenant_id = {scope:String})
    AND ({tenant:String} = '' OR tenant_id = {tenant:String})
    AND ({user:String} = '' OR user_id = {user:String})
    AND ({feature:String} = '' OR feature = {feature:String})
    AND ({service:String} = '' OR has(services, {service:String}))
    AND ({model:String} = '' OR mapContains(model_costs, {model:String}))
    AND total_cost >= {min_usd:Decimal(38, 12)}
    AND ({has_after:UInt8} = 0 OR total_cost < {after_usd:Decimal(38, 12)}
        OR (total_cost = {after_usd:Decimal(38, 12)} AND (conversation_id, tenant_id) > ({after_id:String}, {after_tenant:String})))
ORDER BY total_cost DESC, conversation_id ASC, tenant_id ASC
LIMIT {limit:UInt32}
