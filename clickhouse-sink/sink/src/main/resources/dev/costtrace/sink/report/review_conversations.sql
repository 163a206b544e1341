-- The review's unit: each conversation (an ID within a tenant) that spent in [from_ns, to_ns),
-- with what it spent there (c), from the traces that started in the period. Included by the
-- other review queries as {include:review_conversations}.
SELECT tenant_id, conversation_id, sum(total_cost) AS c
FROM {db:Identifier}.trace_rollup
WHERE start_time >= fromUnixTimestamp64Nano({from_ns:Int64}, 'UTC')
    AND start_time < fromUnixTimestamp64Nano({to_ns:Int64}, 'UTC')
    AND conversation_id != ''
GROUP BY tenant_id, conversation_id
