-- Budget events in [from_ns, to_ns) by limit and action (block, downgrade, warn): how often, in
-- how many conversations. Parameters: db, from_ns, to_ns.
SELECT limit_name, action, count() AS hits, uniqExact(tenant_id, conversation_id) AS conversations
FROM {db:Identifier}.budget_events
WHERE event_time >= fromUnixTimestamp64Nano({from_ns:Int64}, 'UTC')
    AND event_time < fromUnixTimestamp64Nano({to_ns:Int64}, 'UTC')
GROUP BY limit_name, action
ORDER BY hits DESC, limit_name ASC, action ASC
