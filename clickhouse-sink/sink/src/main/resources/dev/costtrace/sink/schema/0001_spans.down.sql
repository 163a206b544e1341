/* cluster-only */
DROP TABLE IF EXISTS {db}.spans {on_cluster} SYNC;
DROP TABLE IF EXISTS {db}.spans{local} {on_cluster} SYNC;
