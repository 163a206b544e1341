-- One conversation's totals from the conversation_costs view; {tenant} empty = any tenant (no auth
-- or an admin), else only that tenant's conversation is found. A call the agent blocked is stored
-- as an LLM span without usage and with the budget exception as error.type (it was never sent):
-- it is not counted as a call here.
SELECT
    conversation_id,
    tenant_id,
    user_id,
    feature,
    turns,
    toString(total_cost) AS total_usd,
    greatest(toInt64(llm_calls) - (
        SELECT toInt64(count()) FROM {db}.spans
        WHERE conversation_id = {id:String}
          AND error_type = 'dev.costtrace.budget.api.ConversationBudgetExceededException'
    ), 0) AS llm_calls,
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
