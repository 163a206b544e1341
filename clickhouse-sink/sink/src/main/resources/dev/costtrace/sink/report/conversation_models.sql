-- The models (and tools, as 'tool:<name>') of one conversation (an ID within a tenant): calls
-- and cost of each, unpriced ones included (their cost is zero, their calls count).
-- Parameters: db, id, tenant (the conversation's).
SELECT model, count() AS calls, sum(total_cost) AS total_cost
FROM {db:Identifier}.llm_calls
WHERE conversation_id = {id:String} AND tenant_id = {tenant:String}
GROUP BY model
ORDER BY total_cost DESC, model ASC
