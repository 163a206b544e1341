-- What a trace belongs to (conversation, tenant, user, feature), found on any of its spans and
-- possibly after its LLM spans were written. Highest version wins per trace.
CREATE TABLE IF NOT EXISTS {db}.trace_attributions{local} {on_cluster}
(
    trace_id        String CODEC(ZSTD(1)),
    conversation_id String CODEC(ZSTD(1)),
    tenant_id       LowCardinality(String),
    user_id         String CODEC(ZSTD(1)),
    feature         LowCardinality(String),
    tags            Map(LowCardinality(String), String) CODEC(ZSTD(1)),
    observed_at     DateTime64(9, 'UTC') CODEC(Delta, ZSTD(1)),
    version         UInt64,
    INDEX idx_conversation_id conversation_id TYPE bloom_filter(0.01) GRANULARITY 4
)
ENGINE = {engine:ReplacingMergeTree(version)}
PARTITION BY toDate(observed_at)
ORDER BY trace_id
{ttl:observed_at}
SETTINGS ttl_only_drop_parts = 1, non_replicated_deduplication_window = 1000;

/* cluster-only */
CREATE TABLE IF NOT EXISTS {db}.trace_attributions {on_cluster} AS {db}.trace_attributions_local
ENGINE = Distributed({cluster}, {db}, trace_attributions_local, cityHash64(trace_id));
