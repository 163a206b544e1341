DROP VIEW IF EXISTS {db}.llm_calls {on_cluster} SYNC;
