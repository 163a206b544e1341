-- Conversations with their rollup figures (the sums of their traces' rollups), most expensive
-- first, one page at a time. The total splits into LLM calls, tools ('tool:<name>') and
-- infrastructure ('infra:<rule>', COSTTRACE_INFRA_COSTS) by the rollup's model_costs. A conversation is a conversation ID within a tenant: the same ID
-- sent under two tenants is two conversations, and a tenant scope (a bearer token's tenant) never
-- sees another tenant's. Listed when its last span ended within [from_ns, to_ns); its figures are
-- the whole conversation's. Keyset pagination: after (after_usd, after_id, after_tenant) in
-- (total_cost DESC, conversation_id ASC, tenant_id ASC).
-- Parameters: db, id ('' = any), scope, tenant, user, feature, service, model ('' = any), min_usd,
-- from_ns, to_ns, has_after, after_usd, after_id, after_tenant, limit.
SELECT
    conversation_id,
    tenant_id,
    c_user AS user_id,
    c_feature AS feature,
    turns,
    c_total AS total_cost,
    arraySum(mapValues(mapFilter((k, v) -> NOT startsWith(k, 'tool:') AND NOT startsWith(k, 'infra:'),
        c_models))) AS llm_cost,
    arraySum(mapValues(mapFilter((k, v) -> startsWith(k, 'tool:'), c_models))) AS tool_cost,
    arraySum(mapValues(mapFilter((k, v) -> startsWith(k, 'infra:'), c_models))) AS infra_cost,
    c_input AS input_tokens,
    c_output AS output_tokens,
    c_cache_read AS cache_read_tokens,
    c_cache_write AS cache_write_tokens,
    c_reasoning AS reasoning_tokens,
    c_llm_calls AS llm_calls,
    c_tool_calls AS tool_calls,
    c_unpriced AS unpriced_calls,
    toUnixTimestamp64Nano(c_first) AS first_seen_ns,
    toUnixTimestamp64Nano(c_last) AS last_seen_ns
FROM
(
    SELECT
        t.tenant_id AS tenant_id,
        t.conversation_id AS conversation_id,
        anyLast(t.user_id) AS c_user,
        anyLast(t.feature) AS c_feature,
        count() AS turns,
        sum(t.total_cost) AS c_total,
        sum(t.input_tokens) AS c_input,
        sum(t.output_tokens) AS c_output,
        sum(t.cache_read_tokens) AS c_cache_read,
        sum(t.cache_write_tokens) AS c_cache_write,
        sum(t.reasoning_tokens) AS c_reasoning,
        sum(t.llm_calls) AS c_llm_calls,
        sum(t.tool_calls) AS c_tool_calls,
        sum(t.unpriced_calls) AS c_unpriced,
        sumMap(t.model_costs) AS c_models,
        groupUniqArray(t.service_name) AS c_services,
        min(t.start_time) AS c_first,
        max(t.end_time) AS c_last
    FROM {db:Identifier}.trace_rollup AS t
    WHERE t.conversation_id != ''
        AND ({id:String} = '' OR t.conversation_id = {id:String})
        AND ({scope:String} = '' OR t.tenant_id = {scope:String})
    GROUP BY tenant_id, conversation_id
)
WHERE c_last >= fromUnixTimestamp64Nano({from_ns:Int64}, 'UTC')
    AND c_last < fromUnixTimestamp64Nano({to_ns:Int64}, 'UTC')
    AND ({tenant:String} = '' OR tenant_id = {tenant:String})
    AND ({user:String} = '' OR c_user = {user:String})
    AND ({feature:String} = '' OR c_feature = {feature:String})
    AND ({service:String} = '' OR has(c_services, {service:String}))
    AND ({model:String} = '' OR mapContains(c_models, {model:String}))
    AND c_total >= {min_usd:Decimal(38, 12)}
    AND ({has_after:UInt8} = 0 OR c_total < {after_usd:Decimal(38, 12)}
        OR (c_total = {after_usd:Decimal(38, 12)} AND (conversation_id, tenant_id) > ({after_id:String}, {after_tenant:String})))
ORDER BY c_total DESC, conversation_id ASC, tenant_id ASC
LIMIT {limit:UInt32}
