-- Traces with a repriced span row newer than their rollup (or without a rollup): what a repricing
-- interrupted between writing rows and recomputing their traces left behind. Both versions are
-- the server's clock in nanoseconds: the rows' when they were written, the rollup's when its
-- recomputation read the rows. Slots: {db}, {span_filter} on span_rows AS x.
SELECT s.auth_tenant AS auth_tenant, s.trace_id AS trace_id
FROM
(
    SELECT x.auth_tenant AS auth_tenant, x.trace_id AS trace_id, max(x.row_version) AS newest
    FROM {db}.span_rows AS x FINAL
    WHERE {span_filter} AND x.previous_total_cost IS NOT NULL
    GROUP BY x.auth_tenant, x.trace_id
) AS s
LEFT JOIN
(
    SELECT auth_tenant, trace_id, version
    FROM {db}.trace_rollups FINAL
    WHERE (auth_tenant, trace_id) IN (SELECT x.auth_tenant, x.trace_id FROM {db}.span_rows AS x
        WHERE {span_filter} AND x.previous_total_cost IS NOT NULL)
) AS r ON r.auth_tenant = s.auth_tenant AND r.trace_id = s.trace_id
WHERE s.newest > r.version
