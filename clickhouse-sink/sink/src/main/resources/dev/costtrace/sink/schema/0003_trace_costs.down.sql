/* cluster-only */
DROP TABLE IF EXISTS {db}.trace_costs {on_cluster} SYNC;
DROP VIEW IF EXISTS {db}.trace_costs_mv{local} {on_cluster} SYNC;
DROP TABLE IF EXISTS {db}.trace_costs{local} {on_cluster} SYNC;
