/* cluster-only */
DROP TABLE IF EXISTS {db}.trace_attributions {on_cluster} SYNC;
DROP TABLE IF EXISTS {db}.trace_attributions{local} {on_cluster} SYNC;
