-- Budget warnings and limit hits: the agent's decisions (block, downgrade, warn; read from the
-- costtrace.budget.* span attributes) and what the receiver observed in apps without the agent.
-- Amounts are decimal strings in the limit's unit (USD, calls or tokens), as on the span.
CREATE TABLE IF NOT EXISTS {db}.budget_events{local} {on_cluster}
(
    event_time      DateTime64(9, 'UTC') CODEC(Delta, ZSTD(1)),
    conversation_id String CODEC(ZSTD(1)),
    tenant_id       LowCardinality(String),
    feature         LowCardinality(String),
    service_name    LowCardinality(String),
    trace_id        String CODEC(ZSTD(1)),
    span_id         String CODEC(ZSTD(1)),
    limit_name      LowCardinality(String),
    action          LowCardinality(String),
    limit_value     String CODEC(ZSTD(1)),
    reach           String CODEC(ZSTD(1)),
    model           LowCardinality(String),
    downgraded_to   LowCardinality(String),
    source          LowCardinality(String)
)
ENGINE = {engine:MergeTree}
PARTITION BY toDate(event_time)
ORDER BY (conversation_id, event_time)
{ttl:event_time}
SETTINGS ttl_only_drop_parts = 1;

-- Which budget webhooks were delivered (once per conversation and limit, across restarts).
CREATE TABLE IF NOT EXISTS {db}.budget_notifications{local} {on_cluster}
(
    conversation_id String CODEC(ZSTD(1)),
    limit_name      LowCardinality(String),
    delivered_at    DateTime64(3, 'UTC') DEFAULT now64(3)
)
ENGINE = {engine:ReplacingMergeTree}
ORDER BY (conversation_id, limit_name);

/* cluster-only */
CREATE TABLE IF NOT EXISTS {db}.budget_events {on_cluster} AS {db}.budget_events_local
ENGINE = Distributed({cluster}, {db}, budget_events_local, cityHash64(conversation_id));
/* cluster-only */
CREATE TABLE IF NOT EXISTS {db}.budget_notifications {on_cluster} AS {db}.budget_notifications_local
ENGINE = Distributed({cluster}, {db}, budget_notifications_local, cityHash64(conversation_id));
