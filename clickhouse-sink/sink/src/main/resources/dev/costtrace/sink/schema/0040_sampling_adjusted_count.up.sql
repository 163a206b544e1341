-- Trace sampling (issue 19): how many spans each stored span stands for, its adjusted count per
-- the OpenTelemetry probability-sampling specification. 1 for a span that was counted (kept by the
-- CostTrace agent whatever its trace's sampler decided, or from an emitter that does not say it
-- samples by probability); above 1 for a span sampled with probability 1 / adjusted_count (the
-- trace state's ot=th threshold, or a sampling.adjusted_count attribute). Rows written before this
-- column existed were counted: 1. Totals stay sums of total_cost (counted money); an estimate is
-- sum(total_cost * adjusted_count) and is shown apart from it, never for a conversation.
ALTER TABLE {db}.span_rows{local} {on_cluster}
    ADD COLUMN IF NOT EXISTS adjusted_count Decimal(38, 12) DEFAULT 1;

/* cluster-only */
ALTER TABLE {db}.span_rows {on_cluster}
    ADD COLUMN IF NOT EXISTS adjusted_count Decimal(38, 12) DEFAULT 1;
