DROP VIEW IF EXISTS {db}.conversation_costs {on_cluster} SYNC;
DROP VIEW IF EXISTS {db}.trace_rollup {on_cluster} SYNC;
