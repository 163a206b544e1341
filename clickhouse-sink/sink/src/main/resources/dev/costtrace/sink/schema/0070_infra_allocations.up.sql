-- Infrastructure cost per conversation (issue 15, part 3). The allocator of `costtrace serve`
-- splits each hour's cost of each rule of COSTTRACE_INFRA_COSTS over the traces that used it
-- (dev.costtrace.sink.infra.InfraAllocation) and writes one row per (trace, rule, hour) here; the
-- trace rollups add a trace's rows as infra:<rule> beside its models and tools. Keyed and
-- versioned: a re-allocation (late spans, changed rules) writes every trace of the hour again with
-- a higher version, a trace that no longer uses the hour with zero units, spans and cost; two
-- receivers allocating the same hour from the same spans and rules write the same rows. Sorted by
-- hour first: the writer's recomputation of a batch's traces reads the hours the batch's spans are
-- in (and up to six after), the set index finds a trace's granules within them.
CREATE TABLE IF NOT EXISTS {db}.infra_allocations{local} {on_cluster}
(
    auth_tenant LowCardinality(String),
    trace_id    String CODEC(ZSTD(1)),
    rule        LowCardinality(String),
    hour        DateTime('UTC'),
    units       Decimal(38, 12),
    spans       UInt64,
    usd         Decimal(38, 12),
    rule_digest LowCardinality(String),
    version     UInt64,
    INDEX idx_trace_id trace_id TYPE set(0) GRANULARITY 1,
    INDEX idx_hour hour TYPE minmax GRANULARITY 1
)
ENGINE = {engine:ReplacingMergeTree(version)}
PARTITION BY toYYYYMM(hour)
ORDER BY (hour, auth_tenant, trace_id, rule)
{ttl:hour}
SETTINGS index_granularity = 1024;

/* cluster-only */
CREATE TABLE IF NOT EXISTS {db}.infra_allocations {on_cluster} AS {db}.infra_allocations_local
ENGINE = Distributed({cluster}, {db}, infra_allocations_local, cityHash64(trace_id));

-- One row per (rule, hour) allocated: what the hour cost, what went to traces, the idle rest
-- (cost = allocated + idle, exactly), and what it was computed from (the rule's digest, a digest of
-- the hour's use), so that the allocator sees when an hour must be allocated again. Written after
-- the hour's allocation rows: a row here means they are complete. A rule taken out of the file
-- marks its hours deleted (after zeroing their rows).
CREATE TABLE IF NOT EXISTS {db}.infra_periods{local} {on_cluster}
(
    rule         LowCardinality(String),
    hour         DateTime('UTC'),
    rule_digest  LowCardinality(String),
    usage_digest String,
    hour_cost    Decimal(38, 12),
    allocated    Decimal(38, 12),
    idle         Decimal(38, 12),
    traces       UInt64,
    units        Decimal(38, 12),
    rule_json    String CODEC(ZSTD(3)),
    version      UInt64,
    is_deleted   UInt8
)
ENGINE = {engine:ReplacingMergeTree(version, is_deleted)}
PARTITION BY toYYYYMM(hour)
ORDER BY (rule, hour)
{ttl:hour};

/* cluster-only */
CREATE TABLE IF NOT EXISTS {db}.infra_periods {on_cluster} AS {db}.infra_periods_local
ENGINE = Distributed({cluster}, {db}, infra_periods_local, cityHash64(rule));

-- The allocators' heartbeats: each run of a receiver's allocator looks at the newest, and follows
-- (skips the run) while another's is fresh; so with several receivers one leads, and another takes
-- over within a few intervals when it stops. Two leading at once (both started together) is
-- harmless: their rows are the same.
CREATE TABLE IF NOT EXISTS {db}.infra_allocator_runs{local} {on_cluster}
(
    holder String,
    at     DateTime64(3, 'UTC')
)
ENGINE = {engine:MergeTree}
ORDER BY at
TTL toDateTime(at) + INTERVAL 1 DAY;

/* cluster-only */
CREATE TABLE IF NOT EXISTS {db}.infra_allocator_runs {on_cluster} AS {db}.infra_allocator_runs_local
ENGINE = Distributed({cluster}, {db}, infra_allocator_runs_local, rand());
