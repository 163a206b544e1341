-- The traces that have a row of one rule's hour, in any version: a re-allocation writes each of
-- them again (zero when it no longer uses the hour). Slots: {db}, {rule} (a literal), {hour}
-- (epoch seconds).
SELECT DISTINCT auth_tenant, trace_id
FROM {db}.infra_allocations
WHERE rule = {rule} AND hour = toDateTime({hour}, 'UTC')
