-- What each trace used of one rule in each hour of [from, to) (epoch seconds, whole hours), per
-- second or per call: one row per (hour, trace) with its units (per_second: nanoseconds of its
-- matching spans within the hour, a span's duration clipped to each hour it overlaps; per call:
-- its matching spans that started in the hour) and its matching spans. Spans of calls a budget
-- blocked were never made and use nothing. A span's seconds are counted in the hours that start
-- within {use_within} seconds of its start (InfraRule.USE_WITHIN): a read of some hours reads the
-- spans that started up to that much before them.
-- Slots: {db}, {match} (a condition on span_rows AS x), {from}, {to}, {per_second} (1 or 0),
-- {use_within}.
SELECT
    toUInt32(h * 3600) AS hour,
    auth_tenant,
    trace_id,
    toInt64(sum(u)) AS units,
    toUInt64(count()) AS spans
FROM
(
    SELECT
        x.auth_tenant AS auth_tenant,
        x.trace_id AS trace_id,
        h,
        if({per_second},
            greatest(toInt64(0),
                least(toInt64(toUnixTimestamp64Nano(x.end_time)), (toInt64(h) + 1) * 3600000000000)
                - greatest(toInt64(toUnixTimestamp64Nano(x.start_time)), toInt64(h) * 3600000000000)),
            toInt64(1)) AS u
    FROM {db}.span_rows AS x FINAL
    ARRAY JOIN
        if({per_second},
            range(toInt64(intDiv(toUnixTimestamp(x.start_time), 3600)),
                toInt64(intDiv(toUnixTimestamp(x.end_time), 3600)) + 1),
            [toInt64(intDiv(toUnixTimestamp(x.start_time), 3600))]) AS h
    WHERE x.start_time >= toDateTime64({from} - {use_within}, 9, 'UTC')
        AND x.start_time < toDateTime64({to}, 9, 'UTC')
        AND x.pricing_status != 'BUDGET_BLOCKED'
        AND ({match})
        AND h >= intDiv({from}, 3600) AND h < intDiv({to}, 3600)
        AND h * 3600 <= toUnixTimestamp(x.start_time) + {use_within}
)
WHERE u > 0
GROUP BY h, auth_tenant, trace_id
