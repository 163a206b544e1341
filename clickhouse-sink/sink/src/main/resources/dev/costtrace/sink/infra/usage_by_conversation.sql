-- What each conversation used of one rule in each hour of [from, to) (epoch seconds, whole hours),
-- per conversation: one unit per (hour, conversation) that had a matching span starting in the
-- hour, given to its first trace in the hour (earliest matching span, then lowest trace ID), with
-- the conversation's matching spans of the hour. A conversation is its trace rollup's
-- conversation ID within the tenant key; a trace without one is a conversation of its own.
-- Slots: {db}, {match} (a condition on span_rows AS x), {from}, {to}.
SELECT
    hour,
    auth_tenant,
    argMin(trace_id, (first_start, trace_id)) AS trace_id,
    toInt64(1) AS units,
    toUInt64(sum(n)) AS spans
FROM
(
    SELECT u.hour AS hour, u.auth_tenant AS auth_tenant, u.trace_id AS trace_id,
        u.first_start AS first_start, u.n AS n,
        if(r.conversation_id != '', concat('c:', r.conversation_id), concat('t:', u.trace_id)) AS conversation
    FROM
    (
        SELECT
            toUInt32(intDiv(toUnixTimestamp(x.start_time), 3600) * 3600) AS hour,
            x.auth_tenant AS auth_tenant,
            x.trace_id AS trace_id,
            min(x.start_time) AS first_start,
            count() AS n
        FROM {db}.span_rows AS x FINAL
        WHERE x.start_time >= toDateTime64({from}, 9, 'UTC')
            AND x.start_time < toDateTime64({to}, 9, 'UTC')
            AND x.pricing_status != 'BUDGET_BLOCKED'
            AND ({match})
        GROUP BY hour, auth_tenant, trace_id
    ) AS u
    LEFT JOIN
    (
        SELECT t.auth_tenant AS auth_tenant, t.trace_id AS trace_id, t.conversation_id AS conversation_id
        FROM {db}.trace_rollups AS t FINAL
        WHERE (t.auth_tenant, t.trace_id) IN (
            SELECT x.auth_tenant, x.trace_id FROM {db}.span_rows AS x
            WHERE x.start_time >= toDateTime64({from}, 9, 'UTC')
                AND x.start_time < toDateTime64({to}, 9, 'UTC') AND ({match}))
    ) AS r ON u.auth_tenant = r.auth_tenant AND u.trace_id = r.trace_id
)
GROUP BY hour, auth_tenant, conversation
SETTINGS join_use_nulls = 0
