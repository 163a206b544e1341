/* cluster-only */
DROP TABLE IF EXISTS {db}.trace_moves {on_cluster} SYNC;
DROP TABLE IF EXISTS {db}.trace_moves{local} {on_cluster} SYNC;

ALTER TABLE {db}.trace_rollups{local} {on_cluster} DROP PROJECTION IF EXISTS by_conversation;

ALTER TABLE {db}.trace_rollups{local} {on_cluster} RESET SETTING deduplicate_merge_projection_mode;
