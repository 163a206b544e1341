ALTER TABLE {db}.conversation_rollups{local} {on_cluster}
    DROP COLUMN IF EXISTS trace_ids,
    DROP COLUMN IF EXISTS services;

/* cluster-only */
ALTER TABLE {db}.conversation_rollups {on_cluster}
    DROP COLUMN IF EXISTS trace_ids,
    DROP COLUMN IF EXISTS services;
