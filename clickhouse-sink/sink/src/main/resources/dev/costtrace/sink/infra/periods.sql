-- The hours allocated so far in [from, to) (epoch seconds), every rule's: what each was computed
-- from, what it allocated, and what its allocation rows (FINAL) add up to now; an hour whose rows
-- no longer add up to what it allocated (a write that lost a race) is allocated again.
-- Slots: {db}, {from}, {to}.
SELECT
    p.rule AS rule,
    toUInt32(p.hour) AS hour,
    p.rule_digest AS rule_digest,
    p.usage_digest AS usage_digest,
    p.allocated AS allocated,
    ifNull(a.usd, toDecimal128(0, 12)) AS rows_usd
FROM
(
    SELECT rule, hour, rule_digest, usage_digest, allocated
    FROM {db}.infra_periods FINAL
    WHERE hour >= toDateTime({from}, 'UTC') AND hour < toDateTime({to}, 'UTC')
) AS p
LEFT JOIN
(
    SELECT rule, hour, sum(usd) AS usd
    FROM {db}.infra_allocations FINAL
    WHERE hour >= toDateTime({from}, 'UTC') AND hour < toDateTime({to}, 'UTC') AND spans > 0
    GROUP BY rule, hour
) AS a ON p.rule = a.rule AND p.hour = a.hour
SETTINGS join_use_nulls = 1
