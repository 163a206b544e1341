-- A conversation's traces found by conversation (issue 12, the writer at scale). The writer
-- recomputes every conversation a batch touches from its traces' rollups, and trace_rollups is
-- sorted by trace: finding a conversation's traces read the whole table through FINAL, 0.8 s for
-- even 100 conversations on 10 million spans (benchmarks/results/receiver.md). A projection sorted
-- by conversation lets the writer read the rows that name its conversations by key, without FINAL
-- (projections are not read under FINAL): of those rows it takes each trace's newest
-- (rollup/conversation_traces.sql). A trace's older row can name a conversation it has since left,
-- and that row is not among the newest of the rows read; trace_moves says so: before a trace
-- observed with two or more conversations is recomputed, a row per such conversation with a version
-- below the one its new rollup will have, and a row of a conversation counts only when it is newer
-- than the trace's move out of it. 'rebuild': merges that collapse versions rebuild the projection.
ALTER TABLE {db}.trace_rollups{local} {on_cluster}
    MODIFY SETTING deduplicate_merge_projection_mode = 'rebuild';

ALTER TABLE {db}.trace_rollups{local} {on_cluster}
    ADD PROJECTION IF NOT EXISTS by_conversation (SELECT * ORDER BY auth_tenant, conversation_id, trace_id);

-- For the rows written before this migration (a background mutation; parts without the projection
-- are read from the table itself, so queries are right before it ends, only slower).
ALTER TABLE {db}.trace_rollups{local} {on_cluster} MATERIALIZE PROJECTION by_conversation;

-- Few rows: only traces observed with more than one conversation. Kept as long as the trace rollups
-- they correct (a move is never older than the rollup row it outdates).
CREATE TABLE IF NOT EXISTS {db}.trace_moves{local} {on_cluster}
(
    auth_tenant     LowCardinality(String),
    conversation_id String CODEC(ZSTD(1)),
    trace_id        String CODEC(ZSTD(1)),
    version         UInt64,
    moved_at        DateTime64(9, 'UTC')
)
ENGINE = {engine:ReplacingMergeTree(version)}
ORDER BY (auth_tenant, conversation_id, trace_id)
{ttl:moved_at}
SETTINGS index_granularity = 1024;

/* cluster-only */
CREATE TABLE IF NOT EXISTS {db}.trace_moves {on_cluster} AS {db}.trace_moves_local
ENGINE = Distributed({cluster}, {db}, trace_moves_local, cityHash64(trace_id));

-- The traces already observed with more than one conversation: a move just below the version of
-- their rollup as it stands, so that their newest rollup counts and any older one does not.
INSERT INTO {db}.trace_moves
SELECT o.auth_tenant, c, o.trace_id, r.version - 1, now64(9)
FROM
(
    SELECT auth_tenant, trace_id, groupUniqArray(conversation_id) AS cs
    FROM {db}.span_attributions
    WHERE conversation_id != ''
    GROUP BY auth_tenant, trace_id
    HAVING length(cs) > 1
) AS o
ARRAY JOIN o.cs AS c
INNER JOIN
(
    SELECT auth_tenant, trace_id, version FROM {db}.trace_rollups FINAL
) AS r ON o.auth_tenant = r.auth_tenant AND o.trace_id = r.trace_id
SETTINGS optimize_aggregation_in_order = 1;
