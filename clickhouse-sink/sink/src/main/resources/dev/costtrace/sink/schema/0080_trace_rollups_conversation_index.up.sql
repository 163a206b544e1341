-- A conversation's traces found quickly: the cost API's lookup of one conversation (its models
-- and calls) restricts llm_calls to the traces whose rollup names the conversation, and
-- trace_rollups is ordered by trace. Measured on 10 million spans (8.7 million traces,
-- benchmarks/results/api.md): 0006's set index on conversation_id skips to the same granules but
-- takes about 1 s to read; with this bloom filter the look-up takes 0.06-0.3 s.
-- MATERIALIZE builds the index for rows written before this migration (a background mutation;
-- queries are right before it ends, only slower).
ALTER TABLE {db}.trace_rollups{local} {on_cluster}
    ADD INDEX IF NOT EXISTS idx_conversation conversation_id TYPE bloom_filter(0.001) GRANULARITY 1;

ALTER TABLE {db}.trace_rollups{local} {on_cluster} MATERIALIZE INDEX idx_conversation;
