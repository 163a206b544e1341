ALTER TABLE {db}.trace_rollups{local} {on_cluster} DROP INDEX IF EXISTS idx_conversation;
