-- One conversation's totals from the conversation_costs view; {tenant} empty = any tenant (no auth
-- or an admin), else only that tenant's conversation is found. A call the agent blocked (never
-- sent) is not among its LLM calls: the rollups leave BUDGET_BLOCKED rows out.
SELECT
    conversation_id,
    tenant_id,
    user_id,
    feature,
    turns,
    toString(total_cost) AS total_usd,
    llm_calls,
    tool_calls,
    input_tokens,
    output_tokens,
    cache_read_tokens,
    reasoning_tokens,
    toString(first_seen) AS first_seen,
    toString(last_seen) AS last_seen
FROM {db}.conversation_costs
WHERE conversation_id = {id:String}
  AND ({tenant:String} = '' OR tenant_id = {tenant:String})
