DROP VIEW IF EXISTS {db}.spans {on_cluster} SYNC;

ALTER TABLE {db}.span_rows{local} {on_cluster}
    DROP COLUMN IF EXISTS previous_catalog_version,
    DROP COLUMN IF EXISTS previous_total_cost,
    DROP COLUMN IF EXISTS service_tier;

/* cluster-only */
ALTER TABLE {db}.span_rows {on_cluster}
    DROP COLUMN IF EXISTS previous_catalog_version,
    DROP COLUMN IF EXISTS previous_total_cost,
    DROP COLUMN IF EXISTS service_tier;

CREATE VIEW IF NOT EXISTS {db}.spans {on_cluster} AS
SELECT *, row_version AS attribution_version
FROM {db}.span_rows FINAL;
