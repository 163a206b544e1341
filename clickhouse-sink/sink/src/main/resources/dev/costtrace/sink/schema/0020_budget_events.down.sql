/* cluster-only */
DROP TABLE IF EXISTS {db}.budget_notifications {on_cluster} SYNC;
DROP TABLE IF EXISTS {db}.budget_notifications{local} {on_cluster} SYNC;
/* cluster-only */
DROP TABLE IF EXISTS {db}.budget_events {on_cluster} SYNC;
DROP TABLE IF EXISTS {db}.budget_events{local} {on_cluster} SYNC;
