-- Retroactive repricing (issue 12, item 3). A repriced span is a new row of the same key with a
-- higher row_version (the server's clock when the repricing wrote it), so the audit travels with
-- the row: the total and catalog version of the row it replaced. service_tier keeps the tier the
-- call ran on, so that a repricing applies the tier's prices again. The spans view is made again
-- so that it shows the new columns.
ALTER TABLE {db}.span_rows{local} {on_cluster}
    ADD COLUMN IF NOT EXISTS service_tier LowCardinality(String) AFTER row_version,
    ADD COLUMN IF NOT EXISTS previous_total_cost Nullable(Decimal(38, 12)) AFTER service_tier,
    ADD COLUMN IF NOT EXISTS previous_catalog_version LowCardinality(String) AFTER previous_total_cost;

/* cluster-only */
ALTER TABLE {db}.span_rows {on_cluster}
    ADD COLUMN IF NOT EXISTS service_tier LowCardinality(String) AFTER row_version,
    ADD COLUMN IF NOT EXISTS previous_total_cost Nullable(Decimal(38, 12)) AFTER service_tier,
    ADD COLUMN IF NOT EXISTS previous_catalog_version LowCardinality(String) AFTER previous_total_cost;

DROP VIEW IF EXISTS {db}.spans {on_cluster} SYNC;

CREATE VIEW IF NOT EXISTS {db}.spans {on_cluster} AS
SELECT *, row_version AS attribution_version
FROM {db}.span_rows FINAL;
