/* cluster-only */
ALTER TABLE {db}.span_rows {on_cluster} DROP COLUMN IF EXISTS adjusted_count;

ALTER TABLE {db}.span_rows{local} {on_cluster} DROP COLUMN IF EXISTS adjusted_count;
