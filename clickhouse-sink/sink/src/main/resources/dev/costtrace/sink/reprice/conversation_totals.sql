-- The stored totals of these conversations, for the report's old -> new. Slots: {db},
-- {conversations} (a query giving auth_tenant, conversation_id).
SELECT auth_tenant, conversation_id, total_cost
FROM {db}.conversation_rollups FINAL
WHERE (auth_tenant, conversation_id) IN ({conversations})
